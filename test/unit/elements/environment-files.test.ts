import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listEnvironmentFiles } from '../../../src/elements/environment-files.ts'
import { script, useTempDir, writeFiles } from '../../helpers/element-tree.ts'

describe('listEnvironmentFiles()', () => {
  it('lists well-named regular files in LANG=C sort -n order, executable or not', async () => {
    const dir = join(await useTempDir(), 'environment.d')
    await writeFiles(dir, {
      '10-foo.bash': 'export FOO=1\n',
      '05-bar': script('export BAR=1'),
      '1.5-x': '',
      '1.10-x': '',
      README: '',
      'backup~': '',
      'with space': '',
      'sub.d/10-nested': '',
      '99-link': { symlink: '10-foo.bash' },
      '98-gone': { symlink: 'missing' },
    })
    const { files, skipped } = await listEnvironmentFiles(dir)
    expect(files.map((f) => f.name)).toEqual([
      'README',
      '1.10-x',
      '1.5-x',
      '05-bar',
      '10-foo.bash',
      '99-link',
    ])
    expect(files[0]).toEqual({ name: 'README', path: join(dir, 'README') })
    expect(skipped.map((s) => [s.name, s.reason])).toEqual([
      ['backup~', 'bad-name'],
      ['with space', 'bad-name'],
      ['98-gone', 'broken-symlink'],
    ])
  })

  it('has no files for a missing directory', async () => {
    const dir = await useTempDir()
    expect(await listEnvironmentFiles(join(dir, 'environment.d'))).toEqual({
      files: [],
      skipped: [],
    })
  })
})
