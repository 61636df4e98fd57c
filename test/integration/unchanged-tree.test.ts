// Whether post-root.d left the build directory as the step before it was stored, on real files:
// the window of a chroot session (a temporary resolv.conf and policy-rc.d placed and taken back,
// their directories' mtimes put back) is "unchanged"; a hook that rewrites a file keeping its
// size and mtime, deletes one, or chmods one is seen, and so is a change between the store and
// the session. The finished tree then shares the stored archive only when nothing changed.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { placeTemporaryFile, type SetMtime } from '../../src/chroot/target-files.ts'
import { changedPaths, racyEntries, snapshotTree } from '../../src/cache/tree-snapshot.ts'
import { TreeChangeWatch } from '../../src/pipeline/unchanged-tree.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'

const runner = new ProcessRunner({ reporter: silentReporter })

let build: string
let root: string

beforeEach(() => {
  build = mkdtempSync(join(tmpdir(), 'iw-unchanged-'))
  root = join(build, 'mnt')
  for (const dir of ['etc', 'usr/sbin', 'var/lib']) mkdirSync(join(root, dir), { recursive: true })
  writeFileSync(join(root, 'etc', 'hostname'), 'debian\n')
  writeFileSync(join(root, 'etc', 'motd'), 'hello\n')
  writeFileSync(join(root, 'var', 'lib', 'state'), 'abc\n')
  writeFileSync(join(root, 'usr', 'sbin', 'policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  mkdirSync(join(build, 'hooks', 'post-root.d'), { recursive: true })
})
afterEach(() => rmSync(build, { recursive: true, force: true }))

const touchMtime: SetMtime = async (path, ns) => {
  const s = `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`
  execFileSync('touch', ['-c', '-m', '-d', `@${s}`, '--', path])
}

/** What the build does around post-root.d, with `hooks` as its scripts and `between` after the store. */
async function session(
  hooks: () => void,
  between: () => void = () => undefined,
): Promise<ReturnType<TreeChangeWatch['verdict']>> {
  const watch = new TreeChangeWatch(build, runner)
  await watch.beforeStore('post-install')
  between()
  const resolv = await placeTemporaryFile(
    root,
    'etc/resolv.conf',
    'nameserver 192.0.2.1\n',
    0o644,
    touchMtime,
  )
  const policy = await placeTemporaryFile(
    root,
    'usr/sbin/policy-rc.d',
    'exit 101\n',
    0o755,
    touchMtime,
  )
  await watch.phasesStart()
  hooks()
  await watch.phasesEnd()
  await policy.restore()
  await resolv.restore()
  return await watch.verdict()
}

describe('TreeChangeWatch', () => {
  it('a session whose hooks change nothing leaves the tree as stored, directory mtimes too', async () => {
    const etc = statSync(join(root, 'etc'), { bigint: true }).mtimeNs
    expect(await session(() => undefined)).toEqual({ unchanged: true, since: 'post-install' })
    expect(statSync(join(root, 'etc'), { bigint: true }).mtimeNs).toBe(etc)
  })

  it('sees a file rewritten with its size and mtime kept', async () => {
    const file = join(root, 'etc', 'hostname')
    const was = statSync(file)
    const verdict = await session(() => {
      writeFileSync(file, 'ubuntu\n')
      utimesSync(file, was.atime, was.mtime)
    })
    expect(verdict).toEqual({ unchanged: false, reason: 'mnt/etc/hostname changed' })
  })

  it('sees a file deleted', async () => {
    const verdict = await session(() => rmSync(join(root, 'etc', 'motd')))
    expect(verdict.unchanged).toBe(false)
    if (!verdict.unchanged) expect(verdict.reason).toMatch(/^mnt\/etc(\/motd)? changed$/)
  })

  it('sees a chmod', async () => {
    const verdict = await session(() => chmodSync(join(root, 'var', 'lib', 'state'), 0o600))
    expect(verdict).toEqual({ unchanged: false, reason: 'mnt/var/lib/state changed' })
  })

  it('sees a change made between the store and the session, and one to a file the session moves', async () => {
    const verdict = await session(
      () => undefined,
      () => writeFileSync(join(root, 'var', 'lib', 'state'), 'abd\n'),
    )
    expect(verdict).toEqual({
      unchanged: false,
      reason: 'mnt/var/lib/state differs from the stored tree',
    })
    // policy-rc.d is put aside by the session: the hooks see ours; the image's own comes back.
    const aside = join(root, 'usr', 'sbin', 'policy-rc.d.imagewright-orig')
    const moved = await session(() => chmodSync(aside, 0o700))
    expect(moved.unchanged).toBe(false)
  })

  it('says nothing is proven when no step was stored before', async () => {
    const watch = new TreeChangeWatch(build, runner)
    await watch.phasesStart()
    await watch.phasesEnd()
    expect((await watch.verdict()).unchanged).toBe(false)
  })
})

describe('snapshotTree()', () => {
  it('calls an entry changed just before the walk racy, and one changed long before not', async () => {
    await new Promise((resolve) => setTimeout(resolve, 100))
    writeFileSync(join(root, 'etc', 'fresh'), 'now\n')
    const racy = racyEntries(await snapshotTree(build, runner))
    expect(racy).toEqual(['mnt/etc', 'mnt/etc/fresh'])
  })

  it('lists created, deleted and changed paths; leaves out top-level names it is told to', async () => {
    writeFileSync(join(build, '.imagewright-build'), 'mark')
    const before = await snapshotTree(build, runner, ['.imagewright-build'])
    writeFileSync(join(build, '.imagewright-build'), 'other mark')
    writeFileSync(join(root, 'etc', 'new'), 'x')
    rmSync(join(root, 'etc', 'motd'))
    const after = await snapshotTree(build, runner, ['.imagewright-build'])
    expect(changedPaths(before, after)).toEqual(['mnt/etc', 'mnt/etc/motd', 'mnt/etc/new'])
    expect(changedPaths(after, after)).toEqual([])
  })
})
