import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listPhaseScripts, RUN_PARTS_REGEX } from '../../../src/elements/phase-scripts.ts'
import { script, useTempDir, writeFiles } from '../../helpers/element-tree.ts'

async function phaseDir(): Promise<string> {
  const dir = join(await useTempDir(), 'install.d')
  await writeFiles(dir, {
    '10-a': script(),
    '9-b': script(),
    '10-A': script(),
    '01-x': script(),
    foo: script(),
    'bar.sh': script(),
    '50 space': script(),
    README: 'docs\n',
    'foo-source-install/10-x': script(),
    '../target': script(),
    link: { symlink: '../target' },
    dangling: { symlink: '../nowhere' },
  })
  return dir
}

describe('listPhaseScripts()', () => {
  it('lists executable, well-named files in LANG=C sort -n order', async () => {
    const dir = await phaseDir()
    const { scripts } = await listPhaseScripts(dir)
    expect(scripts.map((s) => s.name)).toEqual(['foo', 'link', '01-x', '9-b', '10-A', '10-a'])
    expect(scripts[0]).toEqual({ name: 'foo', path: join(dir, 'foo') })
  })

  it('reports what it skips and why, but not sub-directories', async () => {
    const { skipped } = await listPhaseScripts(await phaseDir())
    expect(skipped.map((s) => [s.name, s.reason])).toEqual([
      ['README', 'not-executable'],
      ['bar.sh', 'bad-name'],
      ['dangling', 'broken-symlink'],
      ['50 space', 'bad-name'],
    ])
  })

  it('reports a socket as not a regular file', async () => {
    const dir = await useTempDir()
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(join(dir, '10-socket'), resolve))
    try {
      const { scripts, skipped } = await listPhaseScripts(dir)
      expect(scripts).toEqual([])
      expect(skipped.map((s) => s.reason)).toEqual(['not-a-regular-file'])
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('accepts another name regex, like RUN_PARTS_REGEX', async () => {
    const { scripts } = await listPhaseScripts(await phaseDir(), {
      nameRegex: /^[0-9A-Za-z_.-]+$/,
    })
    expect(scripts.map((s) => s.name)).toEqual([
      'bar.sh',
      'foo',
      'link',
      '01-x',
      '9-b',
      '10-A',
      '10-a',
    ])
  })

  it('is not confused by a global regex', async () => {
    const { scripts } = await listPhaseScripts(await phaseDir(), { nameRegex: /^[0-9]+-/g })
    expect(scripts.map((s) => s.name)).toEqual(['01-x', '9-b', '10-A', '10-a'])
  })

  it('has no scripts for a missing phase directory', async () => {
    const dir = await useTempDir()
    expect(await listPhaseScripts(join(dir, 'cleanup.d'))).toEqual({ scripts: [], skipped: [] })
  })

  it.each([
    ['50-foo', true],
    ['foo_bar-9', true],
    ['foo.sh', false],
    ['50 foo', false],
    ['50-foo~', false],
    ['', false],
  ])('RUN_PARTS_REGEX accepts %j: %s', (name, accepted) => {
    expect(RUN_PARTS_REGEX.test(name)).toBe(accepted)
  })
})
