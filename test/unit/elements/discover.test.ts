import { chmod, mkdir, realpath, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { discoverElements } from '../../../src/elements/discover.ts'
import { parseElementList } from '../../../src/elements/element-list.ts'
import { ElementError } from '../../../src/errors.ts'
import { useTempDir, writeElementTree } from '../../helpers/element-tree.ts'

describe('parseElementList()', () => {
  it.each([
    ['', []],
    ['foo', ['foo']],
    ['foo\nbar\n', ['foo', 'bar']],
    ['  foo \r\n\tbar\t\n\n\n', ['foo', 'bar']],
    ['# a comment\nfoo\n  # indented comment\n', ['foo']],
    ['foo\nfoo\nbar', ['foo', 'bar']],
  ])('parseElementList(%j) is %j', (text, names) => {
    expect(parseElementList(text, 'e/element-deps')).toEqual(names)
  })

  it.each([
    [
      'os\n  a b\n',
      'e/element-deps:2:3: Cannot use "a b" as an element name: an element name has no white space inside',
    ],
    [
      '../os\n',
      'e/element-deps:1:1: Cannot use "../os" as an element name: an element name has no "/" (it is a directory name)',
    ],
    [
      '\u0000\u0001junk\n',
      'e/element-deps:1:1: Cannot use "\\u0000\\u0001junk" as an element name: an element name has no control characters',
    ],
  ])('refuses %j at file:line:col', (text, message) => {
    expect(() => parseElementList(text, 'e/element-deps')).toThrow(ElementError)
    expect(() => parseElementList(text, 'e/element-deps')).toThrow(message)
  })
})

describe('discoverElements()', () => {
  it('reads element-deps and element-provides of every sub-directory', async () => {
    const dir = await writeElementTree(await useTempDir(), [
      { name: 'os', provides: ['operating-system'] },
      { name: 'app', deps: ['os', '# comment', 'lib'] },
      { name: 'lib' },
    ])
    await writeFile(join(dir, 'not-an-element'), '')
    await mkdir(join(dir, '.git'))
    const { elements, overrides } = await discoverElements([dir])
    expect([...elements.values()]).toEqual([
      { name: 'app', path: join(await realpath(dir), 'app'), deps: ['os', 'lib'], provides: [] },
      { name: 'lib', path: join(await realpath(dir), 'lib'), deps: [], provides: [] },
      {
        name: 'os',
        path: join(await realpath(dir), 'os'),
        deps: [],
        provides: ['operating-system'],
      },
    ])
    expect(overrides).toEqual([])
  })

  it('lets an element in an earlier path entry override a later one and reports it', async () => {
    const root = await useTempDir()
    const first = await writeElementTree(join(root, 'first'), [{ name: 'shared', deps: ['a'] }])
    const second = await writeElementTree(join(root, 'second'), [
      { name: 'shared', deps: ['b'] },
      { name: 'only-second' },
    ])
    const { elements, overrides } = await discoverElements([first, second])
    expect(elements.get('shared')).toMatchObject({ path: join(first, 'shared'), deps: ['a'] })
    expect(elements.has('only-second')).toBe(true)
    expect(overrides).toEqual([
      { name: 'shared', usedPath: join(first, 'shared'), ignoredPath: join(second, 'shared') },
    ])
  })

  it('does not report an override when the same directory is listed twice', async () => {
    const root = await useTempDir()
    const dir = await writeElementTree(join(root, 'elements'), [{ name: 'foo' }])
    await symlink(dir, join(root, 'alias'))
    const { overrides } = await discoverElements([dir, join(root, 'alias')])
    expect(overrides).toEqual([])
  })

  it('resolves symlinked element directories to their real path', async () => {
    const root = await useTempDir()
    const real = await writeElementTree(join(root, 'real'), [{ name: 'foo' }])
    await mkdir(join(root, 'links'))
    await symlink(join(real, 'foo'), join(root, 'links', 'bar'))
    const { elements } = await discoverElements([join(root, 'links')])
    expect(elements.get('bar')?.path).toBe(join(real, 'foo'))
  })

  it.each([['missing'], ['a-file']])('rejects an ELEMENTS_PATH entry that is %s', async (name) => {
    const root = await useTempDir()
    await writeFile(join(root, 'a-file'), '')
    const entry = join(root, name)
    const error = await discoverElements([root, entry]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ElementError)
    expect(error).toHaveProperty('message', `ELEMENTS_PATH entry '${entry}' is not a directory`)
  })

  it('names the file when element-deps cannot be read', async () => {
    const root = await useTempDir()
    await mkdir(join(root, 'broken', 'element-deps'), { recursive: true })
    await expect(discoverElements([root])).rejects.toThrow(
      `Cannot read '${join(await realpath(root), 'broken', 'element-deps')}': EISDIR`,
    )
  })

  it('discovers in the same order however the directories were created', async () => {
    const names = ['d', 'b', 'a', 'c', 'B', '10', '9']
    const orders: string[][] = []
    for (const order of [names, [...names].reverse()]) {
      const dir = await writeElementTree(
        await useTempDir(),
        order.map((name) => ({ name })),
      )
      orders.push([...(await discoverElements([dir])).elements.keys()])
    }
    expect(orders[0]).toEqual(['10', '9', 'B', 'a', 'b', 'c', 'd'])
    expect(orders[1]).toEqual(orders[0])
  })

  it('names an unreadable element-provides', async () => {
    const root = await useTempDir()
    await writeElementTree(root, [{ name: 'secret', provides: ['x'] }])
    await chmod(join(root, 'secret', 'element-provides'), 0o000)
    // Root reads anything: as root (CI), read as an ordinary user for the length of the call.
    const asRoot = process.geteuid?.() === 0
    if (asRoot) {
      await chmod(root, 0o755)
      process.seteuid?.(65534)
    }
    try {
      await expect(discoverElements([root])).rejects.toThrow(/element-provides': EACCES/)
    } finally {
      if (asRoot) process.seteuid?.(0)
    }
  })
})
