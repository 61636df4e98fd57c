import { linkSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IN_USE_MS, StepStore } from '../../../src/cache/store.ts'

let dir: string
let store: StepStore

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iw-store-'))
  store = new StepStore(dir)
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function put(key: string, bytes: number): Promise<boolean> {
  const staged = await store.stage()
  writeFileSync(join(staged, 'data'), Buffer.alloc(bytes, 1))
  return store.commit(staged, {
    step: 'tree',
    key,
    what: `entry ${key}`,
    durationMs: 1000,
    parts: [],
    files: ['data'],
  })
}

/** Pretend `key` was last used `ageMs` ago. */
function age(key: string, ageMs: number): void {
  const when = new Date(Date.now() - ageMs)
  utimesSync(join(store.entryDir(key), 'manifest.json'), when, when)
}

describe('StepStore', () => {
  it('finds a committed entry with its size, and nothing under another key', async () => {
    expect(await put('k1', 100)).toBe(true)
    const entry = await store.lookup('k1')
    expect(entry?.manifest).toMatchObject({ key: 'k1', bytes: 100, files: ['data'] })
    expect(await store.lookup('k2')).toBeUndefined()
  })

  it('keeps the first of two stores of one key and leaves no staging behind', async () => {
    expect(await put('k1', 100)).toBe(true)
    expect(await put('k1', 200)).toBe(false)
    expect((await store.lookup('k1'))?.manifest.bytes).toBe(100)
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([])
  })

  it('prunes least recently used entries first, down to the limit', async () => {
    for (const key of ['old', 'mid', 'new']) await put(key, 1000)
    age('old', 3 * IN_USE_MS)
    age('mid', 2 * IN_USE_MS)
    age('new', 1.5 * IN_USE_MS)
    // using "old" makes it the most recent
    await store.lookup('old')
    const removed = await store.prune(1500)
    expect(removed.map((e) => e.manifest.key)).toEqual(['mid', 'new'])
    expect((await store.list()).map((e) => e.manifest.key)).toEqual(['old'])
  })

  it('counts an archive two entries share once, and frees it only with the last of them', async () => {
    await put('post', 1000)
    const staged = await store.stage()
    linkSync(join(store.entryDir('post'), 'data'), join(staged, 'data'))
    const files = ['data']
    await store.commit(staged, {
      step: 'tree',
      key: 'tree',
      what: 'tree',
      durationMs: 1,
      parts: [],
      files,
    })
    await put('other', 600)
    age('post', 3 * IN_USE_MS)
    age('tree', 2 * IN_USE_MS)
    age('other', 1.5 * IN_USE_MS)
    expect(await store.diskBytes(await store.list())).toBe(1600)
    // 1600 bytes on disk: within 1600 nothing goes
    expect(await store.prune(1600)).toEqual([])
    // removing "post" frees nothing ("tree" holds the archive): "tree" goes too
    const removed = await store.prune(1000)
    expect(removed.map((e) => e.manifest.key)).toEqual(['post', 'tree'])
    expect((await store.list()).map((e) => e.manifest.key)).toEqual(['other'])
  })

  it('keeps entries used in the last minute unless told to remove all', async () => {
    await put('busy', 1000)
    expect(await store.prune(10)).toEqual([])
    expect((await store.prune(0)).map((e) => e.manifest.key)).toEqual(['busy'])
    expect(await store.list()).toEqual([])
  })

  it('sweeps the staging directory of a dead process', async () => {
    const staged = await store.stage()
    const dead = join(store.root, 'tmp', '999999999-abcdef')
    rmSync(dead, { recursive: true, force: true })
    writeFileSync(join(staged, 'x'), 'x')
    const { renameSync } = await import('node:fs')
    renameSync(staged, dead)
    await store.prune(10 ** 12)
    expect(readdirSync(join(store.root, 'tmp'))).toEqual([])
  })
})
