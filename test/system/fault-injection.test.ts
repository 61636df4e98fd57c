// A failed, interrupted or killed build must leave the host exactly as it was, and the next
// build must work. Uses the download-free host-os element, so every case takes seconds.
import { execFileSync, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHASE_TABLE } from '../../src/phases/phase-table.ts'
import { DIB_BIN, IW_BIN, hostSnapshot, runCli, type HostSnapshot } from '../helpers/cli.ts'
import { hookScript, hostOsEnv, makeTestWork, writeTestElement } from '../helpers/host-os-work.ts'

let work: string
let before: HostSnapshot
const LOSETUP = execFileSync('sh', ['-c', 'command -v losetup'], { encoding: 'utf8' }).trim()

function writeElement(name: string, rel: string, body: string): void {
  writeTestElement(work, name, { [rel]: hookScript(body) })
}

beforeAll(() => {
  ;({ work, before } = makeTestWork('iw-faults-'))
  for (const phase of PHASE_TABLE) {
    writeElement(
      `fail-${phase.name}`,
      `${phase.dir}/50-fail-here`,
      `echo "failing in ${phase.name}"\nexit 7`,
    )
    writeElement(
      `nap-${phase.name}`,
      `${phase.dir}/50-nap-here`,
      `echo "napping in ${phase.name}"\nsleep 300 &\nwait`,
    )
  }
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

const env = (): Record<string, string> => hostOsEnv(work)

/** Journals left in the state dir by builds that are not running (none may stay after cleanup). */
function deadJournals(): string[] {
  const dir = process.env['IMAGEWRIGHT_STATE_DIR'] ?? '/run/imagewright/builds'
  const names = existsSync(dir) ? readdirSync(dir) : []
  return names.filter((name) => {
    if (name.endsWith('.tmp')) return true
    const { pid } = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { pid: number }
    try {
      process.kill(pid, 0)
      return false
    } catch {
      return true
    }
  })
}

function expectHostIntact(): void {
  expect(deadJournals()).toEqual([])
  expect(hostSnapshot(work)).toEqual(before)
  expect(readdirSync(join(work, 'tmp'))).toEqual([])
  // The host's own /dev and /proc are still what they were: nothing unmounted or deleted there.
  expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
  expect(existsSync('/dev/pts/ptmx')).toBe(true)
  expect(readFileSync('/proc/mounts', 'utf8')).toMatch(/^\S+ \/dev devtmpfs /m)
  expect(readFileSync('/proc/mounts', 'utf8')).toMatch(/^\S+ \/proc proc /m)
}

/** Host processes running `sleep <seconds>`, the marker a test's hook script used. */
function napping(seconds: number): string[] {
  const lines = execFileSync('sh', ['-c', `pgrep -af "sleep ${seconds}" || true`], {
    encoding: 'utf8',
  }).split('\n')
  return lines.filter((line) => line.endsWith(`sleep ${seconds}`))
}

const build = (
  extra: string,
  output: string,
  interrupt?: { when: RegExp; signal: NodeJS.Signals },
) =>
  runCli(DIB_BIN, {
    args: ['-n', '-o', join(work, output), '-t', 'tar,raw', 'host-os', ...(extra ? [extra] : [])],
    env: env(),
    timeoutMs: 120_000,
    ...(interrupt ? { interrupt } : {}),
  })

describe('a failing script in each phase', () => {
  it.each(PHASE_TABLE.map((p) => p.name))('fails cleanly in %s', async (phase) => {
    const result = await build(`fail-${phase}`, `fail-${phase}`)
    expect(result.code).toBe(5)
    expect(result.stderr).toContain(
      `Script "${phase}.d/50-fail-here" of element "fail-${phase}" exited with status 7`,
    )
    expect(result.stderr).toContain(`failing in ${phase}`)
    expect(existsSync(join(work, `fail-${phase}.tar`))).toBe(false)
    expectHostIntact()
  })
})

describe('signals in the middle of a build', () => {
  it.each([
    ['root', 'SIGINT'],
    ['install', 'SIGTERM'],
    ['post-root', 'SIGINT'],
    ['finalise', 'SIGINT'],
    ['cleanup', 'SIGTERM'],
  ] as const)('stops in %s on %s and releases everything', async (phase, signal) => {
    const result = await build(`nap-${phase}`, `nap-${phase}`, {
      when: new RegExp(`napping in ${phase}`),
      signal,
    })
    expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143)
    expect(result.stderr).toContain(`Build interrupted by ${signal}`)
    expectHostIntact()
  })
})

describe('kill -9 and imagewright cleanup', () => {
  it('releases the mounted disk, loop device and chroot of a killed build', async () => {
    const result = await build('nap-finalise', 'killed', {
      when: /napping in finalise/,
      signal: 'SIGKILL',
    })
    expect(result.signal).toBe('SIGKILL')
    expect(hostSnapshot(work).loops).not.toBe(before.loops)
    const cleanup = await runCli(IW_BIN, { args: ['cleanup'] })
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toMatch(/released loop device \/dev\/loop\d+/)
    // The mounts were in the build's own namespace: they went with its last process.
    // (cleanup here is global: another build's lines may name mounts of their own)
    expect(
      cleanup.stdout
        .split('\n')
        .filter((line) => line.includes(work) && /released mount/.test(line)),
    ).toEqual([])
    expectHostIntact()
  })

  it('stops the host-side hook scripts of a killed build, wherever they run', async () => {
    // root.d runs on the host, outside every build directory; its children moved away too, one
    // of them into a session of its own (out of the script's process group)
    writeElement(
      'nap-host',
      'root.d/50-nap-on-host',
      'echo "napping on the host"\ncd /\nsleep 3017 &\nsetsid sleep 3018 &\nwait',
    )
    const result = await build('nap-host', 'killed-host', {
      when: /napping on the host/,
      signal: 'SIGKILL',
    })
    expect(result.signal).toBe('SIGKILL')
    expect(napping(3017)).toHaveLength(1)
    expect(napping(3018)).toHaveLength(1)
    const cleanup = await runCli(IW_BIN, { args: ['cleanup'] })
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toMatch(/released processes [\d ]+ \(started by the build\)/)
    expect(napping(3017)).toEqual([])
    expect(napping(3018)).toEqual([])
    expectHostIntact()
  })
})

describe('kill -9 right after a loop device is attached', () => {
  it('imagewright cleanup finds the device by its file, though the build never wrote its name down', async () => {
    // losetup as the build runs it, then a pause before the build can read the device's name.
    const bin = join(work, 'slow-losetup')
    const mark = join(work, 'attached')
    mkdirSync(bin)
    writeFileSync(
      join(bin, 'losetup'),
      hookScript(
        `out=$(${LOSETUP} "$@")\necho "$out"\ncase " $* " in *" --show "*) echo "$out" > "${mark}"; sleep 3020;; esac`,
      ),
    )
    chmodSync(join(bin, 'losetup'), 0o755)
    const stateDir = join(work, 'state')
    const scoped = { IMAGEWRIGHT_STATE_DIR: stateDir, IMAGEWRIGHT_OWN_MOUNT_NAMESPACE: '1' }
    const child = spawn(
      process.execPath,
      [DIB_BIN, '-n', '-o', join(work, 'attach-kill'), '-t', 'raw', 'host-os'],
      {
        env: { ...process.env, ...env(), ...scoped, PATH: `${bin}:${process.env['PATH'] ?? ''}` },
        stdio: 'ignore',
      },
    )
    const closed = new Promise((resolve) => child.on('close', resolve))
    const until = Date.now() + 120_000
    while (!existsSync(mark) && Date.now() < until && child.exitCode === null) await sleep(100)
    child.kill('SIGKILL')
    await closed
    const device = readFileSync(mark, 'utf8').trim()
    expect(device).toMatch(/^\/dev\/loop\d+$/)
    // The file it backs, by inode and filesystem (its number may back another build's file once free).
    const backing = (): string =>
      execFileSync('sh', ['-c', `${LOSETUP} -n -O BACK-INO,BACK-MAJ:MIN ${device} || true`], {
        encoding: 'utf8',
      })
        .trim()
        .replace(/\s+/g, ' ')
    const attachedTo = backing()
    expect(attachedTo).toMatch(/^\d+ \d+:\d+$/)
    const cleanup = await runCli(IW_BIN, {
      args: ['cleanup'],
      env: { IMAGEWRIGHT_STATE_DIR: stateDir },
    })
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toContain(
      `released loop device ${device} (backed by ${join(work, 'tmp')}/dib_image.`,
    )
    expect(backing()).not.toBe(attachedTo)
    expect(napping(3020)).toEqual([])
    expect(readdirSync(stateDir)).toEqual([])
    expectHostIntact()
  })
})

describe('processes a hook leaves running', () => {
  it('are stopped at the end of a successful build, which says so', async () => {
    writeElement(
      'detach-host',
      'cleanup.d/50-detach',
      'setsid -f sleep 3019 >/dev/null 2>&1\necho "detached a sleep"',
    )
    const result = await build('detach-host', 'detached')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('detached a sleep')
    expect(result.stdout + result.stderr).toMatch(
      /Stopped 1 process\(es\) the build started and left running: \d+/,
    )
    expect(napping(3019)).toEqual([])
    expectHostIntact()
  })
})

describe('after all of that', () => {
  it('the next build succeeds', async () => {
    const result = await build('', 'after')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(existsSync(join(work, 'after.raw'))).toBe(true)
    expectHostIntact()
  })
})
