import { lstat, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildHooksTree, type HooksTree } from '../../../src/elements/hooks-tree.ts'
import { ElementError } from '../../../src/errors.ts'
import {
  script,
  useTempDir,
  writeElementTree,
  writeFiles,
  type ElementSpec,
} from '../../helpers/element-tree.ts'

async function buildFrom(specs: readonly ElementSpec[]): Promise<HooksTree> {
  const root = await useTempDir()
  const dir = await writeElementTree(join(root, 'elements'), specs)
  const elements = specs.map((spec) => ({ name: spec.name, path: join(dir, spec.name) }))
  return buildHooksTree(elements, join(root, 'hooks'))
}

async function buildError(specs: readonly ElementSpec[]): Promise<ElementError> {
  const error = await buildFrom(specs).catch((e: unknown) => e)
  if (!(error instanceof ElementError))
    throw new Error(`Expected an ElementError, got ${String(error)}`)
  return error
}

// Every file below `root` with its mode, sorted.
async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true })
  const lines: string[] = []
  for (const entry of entries.sort()) {
    const info = await lstat(join(root, entry))
    const kind = info.isDirectory() ? 'dir' : info.isSymbolicLink() ? 'link' : 'file'
    lines.push(`${entry} ${kind} ${(info.mode & 0o7777).toString(8)}`)
  }
  return lines
}

function originsOf(tree: HooksTree): Record<string, string> {
  return Object.fromEntries([...tree.origins].map(([path, origin]) => [path, origin.element]))
}

describe('buildHooksTree()', () => {
  it('merges the phase directories of all elements and keeps file modes', async () => {
    const tree = await buildFrom([
      { name: 'a', files: { 'install.d/50-a': script(), 'root.d/10-root': script() } },
      {
        name: 'b',
        files: { 'install.d/10-b': script(), 'install.d/README': 'not a hook\n' },
      },
    ])
    expect(await listTree(tree.root)).toEqual([
      'install.d dir 755',
      'install.d/10-b file 755',
      'install.d/50-a file 755',
      'install.d/README file 644',
      'root.d dir 755',
      'root.d/10-root file 755',
    ])
    expect(originsOf(tree)).toEqual({
      'install.d/50-a': 'a',
      'root.d/10-root': 'a',
      'install.d/10-b': 'b',
      'install.d/README': 'b',
    })
    expect(tree.origins.get('install.d/10-b')?.source).toMatch(/\/elements\/b\/install\.d\/10-b$/)
  })

  it('leaves out tests, __pycache__ and test-elements', async () => {
    const tree = await buildFrom([
      {
        name: 'a',
        files: {
          'tests/test_a.py': '',
          '__pycache__/a.pyc': '',
          'test-elements/build-a/element-deps': 'a\n',
          'install.d/tests/kept': '',
        },
      },
    ])
    expect(await listTree(tree.root)).toEqual([
      'install.d dir 755',
      'install.d/tests dir 755',
      'install.d/tests/kept file 644',
    ])
  })

  it('names both elements and the path when a hook name is used twice', async () => {
    const error = await buildError([
      { name: 'first', files: { 'install.d/50-foo': script() } },
      { name: 'middle', files: { 'install.d/60-bar': script() } },
      { name: 'second', files: { 'install.d/50-foo': script() } },
    ])
    expect(error.message).toBe("Elements 'first' and 'second' both contain 'install.d/50-foo'")
    expect(error.hint).toMatch(
      /rename '.*\/first\/install\.d\/50-foo' or '.*\/second\/install\.d\/50-foo'/,
    )
  })

  it('merges nested directories and rejects a duplicate inside them', async () => {
    const tree = await buildFrom([
      { name: 'a', files: { 'install.d/foo-source-install/10-a': script() } },
      {
        name: 'b',
        files: {
          'install.d/foo-source-install/20-b': script(),
          'install.d/foo-package-install/10-a': script(),
        },
      },
    ])
    expect(originsOf(tree)).toEqual({
      'install.d/foo-source-install/10-a': 'a',
      'install.d/foo-package-install/10-a': 'b',
      'install.d/foo-source-install/20-b': 'b',
    })
    const error = await buildError([
      { name: 'a', files: { 'install.d/foo-source-install/10-a': script() } },
      { name: 'b', files: { 'install.d/foo-source-install/10-a': script() } },
    ])
    expect(error.message).toBe(
      "Elements 'a' and 'b' both contain 'install.d/foo-source-install/10-a'",
    )
  })

  it('copies top-level files into the root, the later element winning', async () => {
    const tree = await buildFrom([
      { name: 'a', deps: ['x'], files: { 'package-installs.yaml': 'vim:\n', README: 'a' } },
      { name: 'b', deps: ['y'], files: { README: { content: 'b', mode: 0o600 } } },
    ])
    expect(await readFile(join(tree.root, 'element-deps'), 'utf8')).toBe('y')
    expect(await readFile(join(tree.root, 'package-installs.yaml'), 'utf8')).toBe('vim:\n')
    expect((await stat(join(tree.root, 'README'))).mode & 0o777).toBe(0o600)
    expect(originsOf(tree)).toEqual({
      'element-deps': 'b',
      'package-installs.yaml': 'a',
      README: 'b',
    })
  })

  it('follows symlinks to directories and files', async () => {
    const root = await useTempDir()
    await writeFiles(root, {
      'shared/hooks/20-shared': script(),
      'elements/a/install.d': { symlink: '../../shared/hooks' },
      'elements/a/root.d/10-linked': { symlink: '../../../shared/hooks/20-shared' },
    })
    const tree = await buildHooksTree(
      [{ name: 'a', path: join(root, 'elements/a') }],
      join(root, 'hooks'),
    )
    expect(await listTree(tree.root)).toEqual([
      'install.d dir 755',
      'install.d/20-shared file 755',
      'root.d dir 755',
      'root.d/10-linked file 755',
    ])
  })

  it('keeps modification times', async () => {
    const root = await useTempDir()
    await writeFiles(root, { 'a/install.d/10-old': script() })
    const old = new Date('2001-02-03T04:05:06Z')
    await utimes(join(root, 'a/install.d/10-old'), old, old)
    const tree = await buildHooksTree([{ name: 'a', path: join(root, 'a') }], join(root, 'hooks'))
    expect((await stat(join(tree.root, 'install.d/10-old'))).mtime).toEqual(old)
  })

  it.each<[string, ElementSpec[], RegExp]>([
    [
      'a broken symlink',
      [{ name: 'a', files: { 'install.d/10-gone': { symlink: 'nowhere' } } }],
      /^Cannot copy '.*\/a\/install\.d\/10-gone' into the hooks tree: broken symlink$/,
    ],
    [
      'a file where another element has a directory',
      [
        { name: 'a', files: { 'install.d/thing/10-x': script() } },
        { name: 'b', files: { 'install.d/thing': script() } },
      ],
      /^Elements 'a' and 'b' both contain 'install.d\/thing', once as a file and once as a directory$/,
    ],
    [
      'a top-level file where another element has a directory',
      [
        { name: 'a', files: { 'extra.d/10-x': script() } },
        { name: 'b', files: { 'extra.d': 'file' } },
      ],
      /^Elements 'a' and 'b' both contain 'extra.d', once as a file/,
    ],
    [
      'a directory where another element has a top-level file',
      [
        { name: 'a', files: { 'extra.d': 'file' } },
        { name: 'b', files: { 'extra.d/10-x': script() } },
      ],
      /^Elements 'a' and 'b' both contain 'extra.d', once as a file/,
    ],
    [
      'a symlink loop',
      [{ name: 'a', files: { 'static/etc/x': '', 'static/etc/loop': { symlink: '..' } } }],
      /^Cannot copy '.*\/static\/etc\/loop': it is a symlink loop$/,
    ],
  ])('rejects %s', async (_, specs, message) => {
    expect((await buildError(specs)).message).toMatch(message)
  })

  it('refuses a destination that is not empty', async () => {
    const root = await useTempDir()
    await writeFile(join(root, 'leftover'), '')
    await expect(buildHooksTree([], root)).rejects.toThrow(
      `Cannot create the hooks tree in '${root}': the directory is not empty`,
    )
  })

  it('builds the same tree and index from the same elements', async () => {
    const specs: ElementSpec[] = [
      {
        name: 'z',
        deps: ['a'],
        files: { 'install.d/10-z': script(), 'pre-install.d/1': script() },
      },
      { name: 'a', files: { 'install.d/20-a': script(), 'svc-map': 'a: b\n' } },
    ]
    const first = await buildFrom(specs)
    const second = await buildFrom(specs)
    expect(await listTree(second.root)).toEqual(await listTree(first.root))
    expect([...second.origins.keys()]).toEqual([...first.origins.keys()])
  })
})
