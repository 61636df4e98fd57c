import { describe, expect, it } from 'vitest'
import type { BuildOptions } from '../../../src/config/build-options.ts'
import { localElements } from '../../../src/farm/element-bundle.ts'
import {
  jobOutputBase,
  readJobPayload,
  submitterFileOption,
  submitterFileSetting,
  workerBuildOptions,
} from '../../../src/farm/job-payload.ts'

const payload = {
  version: 1,
  argv: ['-n', '-o', 'out/img', 'host-os'],
  env: { DIB_RELEASE: 'bookworm' },
  secrets: { DIB_ADMIN_PASSWORD: { iv: 'aXY=', data: 'ZA==', tag: 'dA==' } },
  bundle: { digest: `sha256:${'a'.repeat(64)}`, elements: ['host-os'] },
  submittedBy: 'me@laptop',
}

describe('readJobPayload()', () => {
  it('accepts what submit writes', () => {
    expect(readJobPayload(payload, 'j1')).toEqual(payload)
    expect(readJobPayload({ ...payload, bundle: null }, 'j1').bundle).toBeNull()
  })

  it.each([
    ['a newer version', { ...payload, version: 2 }, /version/],
    ['argv that is not a list of strings', { ...payload, argv: [1] }, /argv\.0/],
    [
      'a digest that is not sha256',
      { ...payload, bundle: { digest: 'md5:00', elements: [] } },
      /bundle\.digest/,
    ],
    [
      'a secret in clear',
      { ...payload, secrets: { DIB_ADMIN_PASSWORD: 'hunter22' } },
      /secrets\.DIB_ADMIN_PASSWORD/,
    ],
  ])('refuses %s, naming the field and the job', (_, data, field) => {
    expect(() => readJobPayload(data, 'j1')).toThrow(field)
    expect(() => readJobPayload(data, 'j1')).toThrow(/Cannot run job j1/)
  })
})

describe('workerBuildOptions()', () => {
  it('moves the outputs into the artefact store under the job id and drops submitter-side sinks', () => {
    const parsed = {
      imageName: 'out/img',
      logfile: 'x.log',
      jsonLog: 'x.jsonl',
      htmlReport: 'x.html',
      quiet: false,
    } as unknown as BuildOptions
    const options = workerBuildOptions(parsed, '/srv/artifacts', 'j1')
    expect(options).toMatchObject({
      imageName: '/srv/artifacts/j1/img',
      logfile: undefined,
      jsonLog: undefined,
      htmlReport: undefined,
      quiet: true,
    })
    expect(jobOutputBase('/srv/artifacts', 'j1', '/abs/path/debian')).toBe(
      '/srv/artifacts/j1/debian',
    )
  })
})

describe('submitterFileOption() and submitterFileSetting()', () => {
  it.each([
    [['--logfile', 'b.log', 'vm'], '--logfile'],
    [['--json-log=x.jsonl', 'vm'], '--json-log'],
    [['-o', 'img', '--image-cache', '/c', 'vm'], '--image-cache'],
    [['-o', 'img', 'vm'], undefined],
    [['vm', '--', '--logfile'], undefined],
  ])('finds %j → %s', (argv, expected) => {
    expect(submitterFileOption(argv)).toBe(expected)
  })

  it('finds a block-device config given as a local file, not one given inline', () => {
    expect(submitterFileSetting({ DIB_BLOCK_DEVICE_CONFIG: 'file:///home/me/layout.yaml' })).toBe(
      'DIB_BLOCK_DEVICE_CONFIG',
    )
    expect(
      submitterFileSetting({ DIB_BLOCK_DEVICE_CONFIG: '- local_loop:\n    name: image0' }),
    ).toBeUndefined()
  })
})

describe('localElements()', () => {
  it('keeps the elements that are not built into imagewright', () => {
    const elements = [
      { name: 'vm', path: '/usr/lib/imagewright/elements/vm' },
      { name: 'my-app', path: '/home/me/elements/my-app' },
      { name: 'elements-fork', path: '/usr/lib/imagewright/elements-fork' },
    ]
    expect(localElements(elements, '/usr/lib/imagewright/elements').map((e) => e.name)).toEqual([
      'my-app',
      'elements-fork',
    ])
  })
})
