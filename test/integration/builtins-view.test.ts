// The per-build built-ins view on a real file system: discovery, the visible set and the links.
import { readdir, realpath } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  BUILTINS_VIEW_DIR,
  stageBuiltinsView,
  visibleBuiltins,
} from '../../src/elements/builtins-view.ts'
import { discoverElements, listElementDirs } from '../../src/elements/discover.ts'
import { useTempDir, writeElementTree } from '../helpers/element-tree.ts'

describe('stageBuiltinsView()', () => {
  it('links only the built-ins no user element replaces, and discovery through it finds the same copies', async () => {
    const root = await useTempDir()
    const user = await writeElementTree(join(root, 'user'), [{ name: 'debootstrap' }])
    const builtin = await writeElementTree(join(root, 'builtin'), [
      { name: 'base' },
      { name: 'debootstrap' },
    ])
    const catalog = await discoverElements([user, builtin])
    const builtins = visibleBuiltins(catalog, await listElementDirs(builtin))
    await stageBuiltinsView(join(root, 'build'), builtins)

    const view = join(root, 'build', BUILTINS_VIEW_DIR)
    expect(await readdir(view)).toEqual(['base'])
    expect(await realpath(join(view, 'base'))).toBe(await realpath(join(builtin, 'base')))
    const seen = await discoverElements([user, view])
    expect(seen.overrides).toEqual([])
    expect([...seen.elements.values()].map((e) => [e.name, e.path])).toEqual(
      [...catalog.elements.values()].map((e) => [e.name, e.path]),
    )
  })
})
