// The archive a farm job carries the submitter's elements in: real cp and tar.
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  mkdirSync,
  chmodSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProcessRunner } from '../../src/exec/run.ts'
import { packElements, unpackElements } from '../../src/farm/element-bundle.ts'
import { silentReporter } from '../../src/report/events.ts'

let work: string
const runner = new ProcessRunner({ reporter: silentReporter })

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-bundle-test-'))
  for (const [rel, text] of [
    ['src/my-app/element-deps', 'vm\n'],
    ['src/my-app/install.d/50-app', '#!/bin/bash\necho app\n'],
    ['src/other/README.rst', 'x\n'],
  ] as const) {
    mkdirSync(join(work, rel, '..'), { recursive: true })
    writeFileSync(join(work, rel), text)
  }
  chmodSync(join(work, 'src/my-app/install.d/50-app'), 0o755)
})

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('packElements() and unpackElements()', () => {
  const elements = (): { name: string; path: string }[] => [
    { name: 'my-app', path: join(work, 'src', 'my-app') },
    { name: 'renamed', path: join(work, 'src', 'other') },
  ]

  it('refuses a TMPDIR that does not exist with a message naming it, not an internal error', async () => {
    await expect(
      packElements(elements(), { runner, tmpDir: join(work, 'no-such-dir') }),
    ).rejects.toMatchObject({
      code: 'ERR_FARM_JOB',
      message: expect.stringContaining(
        `Cannot pack the local elements in TMPDIR "${join(work, 'no-such-dir')}"`,
      ),
    })
  })

  it('gives the same digest for the same trees, whatever their file times, and another one after an edit', async () => {
    const first = await packElements(elements(), { runner, tmpDir: work })
    utimesSync(join(work, 'src/my-app/element-deps'), new Date(2001, 1, 1), new Date(2001, 1, 1))
    const second = await packElements(elements(), { runner, tmpDir: work })
    expect(second.digest).toBe(first.digest)
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    writeFileSync(join(work, 'src/other/README.rst'), 'y\n')
    expect((await packElements(elements(), { runner, tmpDir: work })).digest).not.toBe(first.digest)
    expect(readdirSync(work).filter((n) => n.startsWith('iw-bundle-'))).toEqual([])
  })

  it('unpacks each element under its element name, modes kept, and refuses an archive that is not the one named', async () => {
    const bundle = await packElements(elements(), { runner, tmpDir: work })
    const into = join(work, 'unpacked')
    mkdirSync(into)
    await unpackElements(bundle.archive, bundle.digest, into, runner)
    expect(readdirSync(into).sort()).toEqual(['my-app', 'renamed'])
    expect(readFileSync(join(into, 'my-app/element-deps'), 'utf8')).toBe('vm\n')
    expect(statSync(join(into, 'my-app/install.d/50-app')).mode & 0o777).toBe(0o755)
    const altered = Buffer.from(bundle.archive)
    altered[600] = (altered[600] ?? 0) ^ 1
    await expect(
      unpackElements(altered, bundle.digest, join(work, 'unpacked'), runner),
    ).rejects.toThrow(/its content is sha256:[0-9a-f]+, the job names/)
  })
})
