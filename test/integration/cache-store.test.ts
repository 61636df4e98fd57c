// The step store and the build-directory archive on real files: a tree survives the round
// trip (owners, modes, hard and symbolic links, device nodes), and two processes storing,
// reading and pruning one cache at once never see a half entry.
import { execFileSync, spawn } from 'node:child_process'
import {
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packBuildDir, unpackBuildDir } from '../../src/cache/tree-archive.ts'
import { StepStore } from '../../src/cache/store.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'

const REPO = join(import.meta.dirname, '..', '..')
let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-cache-store-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const isRoot = process.getuid?.() === 0

describe('build-directory archive', () => {
  it.runIf(isRoot)('restores the tree as it was: owners, modes, links, device nodes', async () => {
    const from = join(work, 'from')
    mkdirSync(join(from, 'mnt', 'etc'), { recursive: true })
    writeFileSync(join(from, 'mnt', 'etc', 'conf'), 'value\n', { mode: 0o640 })
    chownSync(join(from, 'mnt', 'etc', 'conf'), 1234, 5678)
    linkSync(join(from, 'mnt', 'etc', 'conf'), join(from, 'mnt', 'etc', 'hard'))
    symlinkSync('../etc/conf', join(from, 'mnt', 'etc', 'soft'))
    execFileSync('mknod', [join(from, 'mnt', 'null'), 'c', '1', '3'])
    mkdirSync(join(from, 'hooks', 'install.d'), { recursive: true })
    writeFileSync(join(from, 'hooks', 'install.d', 'left-by-extra-data'), 'x', { mode: 0o755 })
    writeFileSync(join(from, '.imagewright-build'), 'owner mark of that build')
    const runner = new ProcessRunner({ reporter: silentReporter })
    await packBuildDir(from, join(work, 'b.tar.zst'), runner)
    const to = join(work, 'to')
    mkdirSync(to)
    await unpackBuildDir(join(work, 'b.tar.zst'), to, runner)
    const conf = statSync(join(to, 'mnt', 'etc', 'conf'))
    expect([conf.uid, conf.gid, conf.mode & 0o7777]).toEqual([1234, 5678, 0o640])
    expect(statSync(join(to, 'mnt', 'etc', 'hard')).ino).toBe(conf.ino)
    expect(readlinkSync(join(to, 'mnt', 'etc', 'soft'))).toBe('../etc/conf')
    expect(lstatSync(join(to, 'mnt', 'null')).isCharacterDevice()).toBe(true)
    expect(statSync(join(to, 'hooks', 'install.d', 'left-by-extra-data')).mode & 0o777).toBe(0o755)
    // the owner mark says which build a workspace belongs to: never carried to another
    expect(() => statSync(join(to, '.imagewright-build'))).toThrow()
  })
})

// Each child stores and reads 30 entries (keys shared between the two) and prunes as it goes.
const CHILD = `
import { StepStore } from ${JSON.stringify(join(REPO, 'dist', 'cache', 'store.js'))}
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
const [cache, who] = process.argv.slice(1)
const store = new StepStore(cache)
let problems = 0
for (let i = 0; i < 30; i++) {
  const key = 'k' + (i % 10)
  const staged = await store.stage()
  const size = 1000 + i
  writeFileSync(join(staged, 'data'), Buffer.alloc(size, who === 'a' ? 1 : 2))
  await store.commit(staged, { step: 'tree', key, what: who, durationMs: 1, parts: [], files: ['data'] })
  const entry = await store.lookup(key)
  if (entry !== undefined) {
    // The entry may have been pruned and stored again (same key, so an equal result) meanwhile;
    // what is read must still be one writer's whole file.
    try {
      const data = readFileSync(join(entry.dir, 'data'))
      if (data.length < 1000 || data.length >= 1030 || new Set(data).size !== 1) problems++
    } catch (error) {
      if (error.code !== 'ENOENT') throw error   // pruned by the other process meanwhile
    }
  }
  if (i % 5 === 4) await store.prune(0)
}
console.log(JSON.stringify({ problems }))
`

function child(cache: string, who: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', CHILD, cache, who], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString()
    })
    p.on('close', (code) => resolve({ code, out }))
  })
}

describe('step store shared by two processes', () => {
  it('every entry either side reads is whole; nothing is left staged', async () => {
    const cache = join(work, 'shared')
    const [a, b] = await Promise.all([child(cache, 'a'), child(cache, 'b')])
    expect(a.code).toBe(0)
    expect(b.code).toBe(0)
    expect(JSON.parse(a.out)).toEqual({ problems: 0 })
    expect(JSON.parse(b.out)).toEqual({ problems: 0 })
    const store = new StepStore(cache)
    for (const entry of await store.list()) {
      const data = readFileSync(join(entry.dir, 'data'))
      expect(data.length).toBe(entry.manifest.bytes)
      // one writer's content throughout: never a mix of the two
      expect(new Set(data).size).toBe(1)
      expect(data[0]).toBe(entry.manifest.what === 'a' ? 1 : 2)
    }
    await store.prune(0)
    expect(
      execFileSync('find', [join(cache, 'imagewright-steps', 'tmp'), '-mindepth', '1'], {
        encoding: 'utf8',
      }),
    ).toBe('')
  })
})
