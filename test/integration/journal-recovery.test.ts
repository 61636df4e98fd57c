// The journal is the only record `imagewright cleanup` has of a killed build: it is validated,
// an unreadable one is reported, one failed write does not poison the next, and what the journal
// could not name (a loop device attached just before the kill, workspaces after a reboot) is
// still found, by backing file and by the mark in each workspace, never for a live build.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nodeDeviceHost } from '../../src/blockdevice/run/device-host.ts'
import { HeldResources } from '../../src/blockdevice/run/held-resources.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { FileJournal, currentBootId, type JournalEntry } from '../../src/host/journal.ts'
import { backingIdentity } from '../../src/host/loops.ts'
import {
  OWNER_MARK,
  findOrphanWorkspaces,
  releaseOrphan,
  writeOwnerMark,
} from '../../src/host/orphans.ts'
import { recoverBuild, scanStateDir } from '../../src/host/recover.ts'
import { silentReporter } from '../../src/report/events.ts'
import { IW_BIN, runCli } from '../helpers/cli.ts'

const runner = new ProcessRunner({ reporter: silentReporter })
let dir = ''

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-journal-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function deadPid(): Promise<number> {
  let pid = 0
  await runner.run({ argv: ['true'] }, { onSpawn: (p) => (pid = p) })
  return pid
}

const journalText = (data: object): string => `${JSON.stringify(data)}\n`

describe('reading journals', () => {
  it('reports a journal it cannot read instead of skipping it, and refuses one naming "/"', async () => {
    const state = join(dir, 'state')
    await mkdir(state)
    await writeFile(join(state, '20260101000000-aaaaaaaa.json'), '{"buildId": "x", "pi')
    await writeFile(
      join(state, '20260101000000-bbbbbbbb.json'),
      journalText({
        buildId: 'b',
        pid: await deadPid(),
        startedAt: 'then',
        entries: [{ kind: 'dir', path: '/' }],
      }),
    )
    const scan = await scanStateDir(state)
    expect(scan.abandoned).toEqual([])
    expect(scan.unreadable.map((u) => u.reason)).toEqual([
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(
        /^not a build journal: entries\.0\.path: must not be \/ \(at \/.*-bbbbbbbb\.json:\d+:\d+\)$/,
      ),
    ])
    const cleanup = await runCli(IW_BIN, {
      args: ['cleanup'],
      env: { IMAGEWRIGHT_STATE_DIR: state, TMPDIR: dir },
    })
    expect(cleanup.stderr).toContain(
      `Warning: Cannot read the build journal "${join(state, '20260101000000-aaaaaaaa.json')}": not JSON`,
    )
    expect(cleanup.code).toBe(6)
  })

  it('treats a journal of an earlier boot as abandoned even when its pid is alive', async () => {
    await writeFile(
      join(dir, 'old.json'),
      journalText({ buildId: 'old', pid: 1, startedAt: 'then', bootId: 'earlier', entries: [] }),
    )
    await writeFile(
      join(dir, 'live.json'),
      journalText({
        buildId: 'live',
        pid: process.pid,
        startedAt: 'now',
        bootId: currentBootId(),
        entries: [],
      }),
    )
    expect((await scanStateDir(dir)).abandoned.map((b) => b.journal.buildId)).toEqual(['old'])
  })
})

describe('writing journals', () => {
  it('keeps writing after one write failed', async () => {
    const state = join(dir, 'state')
    const journal = new FileJournal(join(state, 'j.json'), 'j')
    await writeFile(state, 'in the way')
    await expect(journal.record({ kind: 'dir', path: '/tmp/a' })).rejects.toThrow()
    await rm(state)
    await journal.record({ kind: 'dir', path: '/tmp/b' })
    expect((await scanStateDir(state, true)).abandoned[0]?.journal.entries).toEqual([
      { kind: 'dir', path: '/tmp/a' },
      { kind: 'dir', path: '/tmp/b' },
    ])
  })
})

describe('what the journal does not name', () => {
  it("detaches a loop device backed by a file in a dead build's directory", async () => {
    const work = join(dir, 'dib_image.x')
    await mkdir(work)
    execFileSync('truncate', ['-s', '8M', join(work, 'image.raw')])
    const device = execFileSync('losetup', ['--find', '--show', join(work, 'image.raw')], {
      encoding: 'utf8',
    }).trim()
    try {
      const journal = {
        buildId: 'k',
        pid: await deadPid(),
        startedAt: 'then',
        entries: [{ kind: 'dir' as const, path: work }],
      }
      const released = (
        await recoverBuild(join(dir, 'k.json'), journal, { runner, reporter: silentReporter })
      ).released
      expect(released).toContain(`loop device ${device} (backed by ${join(work, 'image.raw')})`)
      expect(
        execFileSync('losetup', ['--list', '--noheadings', '-O', 'BACK-FILE'], {
          encoding: 'utf8',
        }),
      ).not.toContain(work)
      expect(existsSync(work)).toBe(false)
    } finally {
      execFileSync('sh', ['-c', `losetup -d ${device} 2>/dev/null || true`])
    }
  })

  it("detaches a device attached to a journaled file in a mount namespace that died, though the kernel names the file from the namespace's mount", async () => {
    const work = join(dir, 'dib_image.y')
    const file = join(work, 'image.raw')
    await mkdir(work)
    execFileSync('truncate', ['-s', '8M', file])
    // As a namespaced build does: the workspace a mount of its own there, the device attached, then the namespace gone.
    const device = execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount --bind "${work}" "${work}" && losetup --find --show "${file}"`,
      ],
      { encoding: 'utf8' },
    ).trim()
    try {
      expect(
        execFileSync('losetup', ['-n', '-O', 'BACK-FILE', device], { encoding: 'utf8' }).trim(),
      ).toBe('/image.raw')
      const identity = await backingIdentity(file)
      const journal = {
        buildId: 'n',
        pid: await deadPid(),
        startedAt: 'then',
        entries: [
          { kind: 'dir' as const, path: work },
          { kind: 'loop-file' as const, file, ...identity },
        ],
      }
      const released = (
        await recoverBuild(join(dir, 'n.json'), journal, { runner, reporter: silentReporter })
      ).released
      expect(released).toContain(`loop device ${device} (backed by ${file})`)
      expect(
        execFileSync('sh', ['-c', `losetup -n -O BACK-INO,BACK-MAJ:MIN ${device} || true`], {
          encoding: 'utf8',
        }).trim(),
      ).not.toBe(`${identity.ino} ${identity.dev}`)
    } finally {
      execFileSync('sh', [
        '-c',
        `[ "$(losetup -n -O BACK-FILE ${device} 2>/dev/null)" = /image.raw ] && losetup -d ${device}; true`,
      ])
    }
  })

  it("finds workspaces of a dead build or an earlier boot by their mark, never a live build's", async () => {
    const make = async (name: string, mark: object | undefined): Promise<string> => {
      const path = join(dir, name)
      await mkdir(path)
      if (mark) await writeFile(join(path, OWNER_MARK), JSON.stringify(mark))
      return path
    }
    const live = join(dir, 'dib_build.live')
    await mkdir(live)
    await writeOwnerMark(live, 'live')
    await make('dib_build.dead', { buildId: 'dead', pid: await deadPid(), bootId: currentBootId() })
    await make('dib_image.reboot', { buildId: 'reboot', pid: 1, bootId: 'earlier' })
    await make('dib_build.unmarked', undefined)
    await make('something-else', { buildId: 'x', pid: await deadPid(), bootId: 'earlier' })
    const orphans = await findOrphanWorkspaces(dir)
    expect(orphans.map((o) => [o.buildId, o.why])).toEqual(
      expect.arrayContaining([
        ['dead', expect.stringMatching(/^its build \(pid \d+\) is gone$/)],
        ['reboot', 'made before the last reboot'],
      ]),
    )
    expect(orphans).toHaveLength(2)
    for (const orphan of orphans) await releaseOrphan(orphan, { runner, reporter: silentReporter })
    expect((await readdir(dir)).sort()).toEqual([
      'dib_build.live',
      'dib_build.unmarked',
      'something-else',
    ])
  })
})

describe('releasing a loop device another mount namespace still holds', () => {
  it('waits until the kernel lets go of it before saying it is detached, and journals its file before attaching', async () => {
    const file = join(dir, 'disk.raw')
    const mnt = join(dir, 'mnt')
    await mkdir(mnt)
    execFileSync('sh', ['-c', `truncate -s 16M "${file}" && mkfs.ext4 -q -F "${file}"`])
    const order: string[] = []
    const journal = {
      record: async (e: JournalEntry) => void order.push(`record ${e.kind}`),
      forget: async (e: JournalEntry) => void order.push(`forget ${e.kind}`),
    }
    const held = new HeldResources({ runner, reporter: silentReporter, journal }, nodeDeviceHost)
    const device = await held.attachLoop(file, ['losetup', '--find', '--show', file])
    expect(order).toEqual(['record loop-file', 'record loop', 'forget loop-file'])
    let holder: ReturnType<typeof spawn> | undefined
    try {
      await held.mount({ mountPoint: '/', path: mnt, device, fstype: 'ext4' }, [
        'mount',
        device,
        mnt,
      ])
      // Another namespace copies the mount (as a build started meanwhile would) and keeps it 2 s.
      holder = spawn('unshare', ['--mount', '--propagation', 'private', 'sleep', '2'], {
        stdio: 'ignore',
      })
      const started = Date.now()
      while (
        !existsSync(`/proc/${holder.pid}/mountinfo`) ||
        !readFileSync(`/proc/${holder.pid}/mountinfo`, 'utf8').includes(mnt)
      ) {
        if (Date.now() - started > 5_000) throw new Error('the holder namespace did not start')
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await held.unmountAll()
      await held.detachAll()
      expect(existsSync(`/sys/block/${device.replace('/dev/', '')}/loop/backing_file`)).toBe(false)
      expect(holder.exitCode === null ? 'still running' : 'gone').toBe('gone')
    } finally {
      holder?.kill('SIGKILL')
      execFileSync('sh', [
        '-c',
        `umount "${mnt}" 2>/dev/null; [ "$(losetup -n -O BACK-FILE ${device} 2>/dev/null)" = "${file}" ] && losetup -d ${device}; true`,
      ])
    }
  })
})
