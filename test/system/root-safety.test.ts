// What running as root must never do: show a build's mounts on the host or spread them to the
// host's other mounts, or show a secret's value in a plan, on the terminal, in a trace, a log or
// a report.
import { execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  HOST_OS_ELEMENTS,
  IW_BIN,
  hostSnapshot,
  runCli,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { makeTestWork } from '../helpers/host-os-work.ts'

let work: string
let before: HostSnapshot
const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' })
const SECRET = 'pw-Zq81-never-shown'

function writeElement(name: string, rel: string, body: string): void {
  const path = join(work, 'elements', name, rel)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, `#!/bin/bash\nset -eu\nset -o pipefail\n${body}\n`)
  chmodSync(path, 0o755)
}

beforeAll(() => {
  ;({ work, before } = makeTestWork('iw-rootsafe-'))
  writeElement('nap-install', 'install.d/50-nap', 'echo "napping in install"\nsleep 3201 &\nwait')
  writeElement(
    'nap-finalise',
    'finalise.d/50-nap',
    'echo "napping in finalise"\nsleep 3202 &\nwait',
  )
  writeElement('says-secret', 'install.d/50-say', 'echo "the password is $DIB_TEST_PASSWORD"')
})

afterAll(() => {
  // A failed run may leave the test's own disk mounted and attached.
  sh(
    `umount "${join(work, 'foreign')}" 2>/dev/null; losetup -l -n -O NAME -j "${join(work, 'foreign.ext4')}" | xargs -r -n1 losetup -d || true`,
  )
  rmSync(work, { recursive: true, force: true })
})

const env = (tmp: string): Record<string, string> => ({
  ELEMENTS_PATH: `${join(work, 'elements')}:${HOST_OS_ELEMENTS}`,
  TMPDIR: tmp,
})

/** The mount points below the test's directory in a mount table (/proc/PID/mountinfo). */
function mountsBelowWork(pid: number | 'self'): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((target) => target.startsWith(`${work}/`))
}

/** A disk another tool has mounted: a small ext4 on a loop device, mounted below the test's directory. */
function mountForeignDisk(): { device: string; target: string } {
  const file = join(work, 'foreign.ext4')
  const target = join(work, 'foreign')
  mkdirSync(target)
  sh(`truncate -s 16M "${file}" && mkfs.ext4 -q -F "${file}"`)
  const device = sh(`losetup --find --show "${file}"`).trim()
  sh(`mount "${device}" "${target}" && echo kept > "${target}/file"`)
  return { device, target }
}

/** Whether `device` still backs a file (the kernel keeps it while a filesystem on it is mounted anywhere). */
function attached(device: string): boolean {
  return existsSync(`/sys/block/${device.replace('/dev/', '')}/loop/backing_file`)
}

describe("the build's own mount namespace (the default as root)", () => {
  it('a build paused in finalise has its workspace, chroot and disk mounted where only it sees them, and no copy of a disk mounted before it started', async () => {
    const foreign = mountForeignDisk()
    const seen = await new Promise<{
      code: number | null
      host: string[]
      build: string[]
      loops: string[]
      foreignInBuild: string[]
      foreignGone: boolean
    }>((resolve) => {
      const child = spawn(
        process.execPath,
        [DIB_BIN, '-n', '-o', join(work, 'ns'), '-t', 'tar,raw', 'host-os', 'nap-finalise'],
        {
          env: { ...process.env, ...env(join(work, 'tmp')) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      let out = ''
      let found = {
        host: [] as string[],
        build: [] as string[],
        loops: [] as string[],
        foreignInBuild: [] as string[],
        foreignGone: false,
      }
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (found.build.length === 0 && out.includes('napping in finalise')) {
          // The build's own process (the command waits for it): the hook is chrooted and sees less.
          const [builder] = sh(`pgrep -P ${child.pid ?? 0} || true`)
            .split('\n')
            .filter(Boolean)
            .map(Number)
          const inBuild =
            builder === undefined
              ? []
              : readFileSync(`/proc/${builder}/mountinfo`, 'utf8').split('\n')
          found = {
            // The test runs where the build was started: the host, as far as the build knows.
            // (but for the other tool's disk, still mounted there)
            host: [
              ...mountsBelowWork('self'),
              ...sh(`findmnt -rn -o TARGET | grep -F "${work}/" || true`)
                .split('\n')
                .filter(Boolean),
            ].filter((target) => target !== foreign.target),
            build: builder === undefined ? ['(no builder process)'] : mountsBelowWork(builder),
            loops: inBuild.flatMap((line) => /\s(\/dev\/loop\d+)(p\d+)?\s/.exec(line)?.[1] ?? []),
            // The other tool's disk, or any loop/FUSE mount the build did not make itself.
            foreignInBuild: inBuild.filter(
              (line) =>
                line.includes(foreign.device) ||
                line.includes(foreign.target) ||
                (/ - (fuse\S*|\S+ \/dev\/loop)/.test(line) && !line.includes(`${work}/tmp/`)),
            ),
            foreignGone: false,
          }
          // The other tool is done with its disk while the build runs: the device must go at once.
          sh(`umount "${foreign.target}" && losetup --detach ${foreign.device}`)
          const until = Date.now() + 5_000
          while (attached(foreign.device) && Date.now() < until) sh('sleep 0.1')
          found.foreignGone = !attached(foreign.device) && child.exitCode === null
          child.kill('SIGTERM')
        }
      })
      child.on('close', (exit) => resolve({ code: exit, ...found }))
    })
    expect(seen.code).toBe(143)
    expect(seen.host).toEqual([])
    // The build does have them: its workspaces, the image mounted from a loop device, the chroot's API filesystems.
    expect(seen.build.filter((target) => /\/dib_(build|image)\.[^/]+$/.test(target))).toHaveLength(
      2,
    )
    expect(
      seen.build.filter((target) => /\/mnt\/(proc|dev|dev\/pts|sys)$/.test(target)),
    ).toHaveLength(4)
    expect(seen.loops.length).toBeGreaterThan(0)
    expect(seen.foreignInBuild).toEqual([])
    expect(seen.foreignGone).toBe(true)
    // And nothing is left of it: no mount anywhere, its loop devices detached.
    // (its number may already back another build's file: only this test's, or a workspace-relative name, would be a leak)
    for (const loop of new Set(seen.loops))
      expect(sh(`losetup -n -O BACK-FILE ${loop} || true`).trim()).not.toMatch(
        new RegExp(`^(${work}/.*|/[^/]+)$`),
      )
    expect(sh(`grep -sF "${work}/" /proc/[0-9]*/mountinfo || true`)).toBe('')
    expect(hostSnapshot(work)).toEqual(before)
  })
})

describe('mount propagation', () => {
  it('nothing mounted inside a build reaches a peer of the mount its workspace is on', async () => {
    // The host's / is shared under systemd: make TMPDIR a shared mount with a peer elsewhere.
    const shared = join(work, 'shared')
    const peer = join(work, 'peer')
    mkdirSync(shared)
    mkdirSync(peer)
    sh(
      `mount --bind "${shared}" "${shared}" && mount --make-shared "${shared}" && mount --bind "${shared}" "${peer}"`,
    )
    try {
      const { code, seenInPeer } = await new Promise<{ code: number | null; seenInPeer: string[] }>(
        (resolve) => {
          const child = spawn(
            process.execPath,
            [DIB_BIN, '-n', '-o', join(work, 'prop'), '-t', 'tar', 'host-os', 'nap-install'],
            {
              // The opt-out's promise: every mount private, even in the host's namespace.
              env: { ...process.env, ...env(shared), IMAGEWRIGHT_OWN_MOUNT_NAMESPACE: '0' },
              stdio: ['ignore', 'pipe', 'inherit'],
            },
          )
          let out = ''
          let seen: string[] = []
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString()
            if (seen.length === 0 && out.includes('napping in install')) {
              // The chroot's /proc, /dev, /sys... are mounted now, below the workspace.
              seen = sh(`findmnt -rn -o TARGET | grep -F "${peer}/" || true`)
                .split('\n')
                .filter(Boolean)
              if (seen.length === 0) seen = ['(nothing)']
              child.kill('SIGINT')
            }
          })
          child.on('close', (exit) => resolve({ code: exit, seenInPeer: seen }))
        },
      )
      expect(code).toBe(130)
      // At most the workspace mounts themselves show there (made before they could be private).
      expect(
        seenInPeer.filter(
          (target) => target !== '(nothing)' && !/^[^/]+$/.test(target.slice(peer.length + 1)),
        ),
      ).toEqual([])
      expect(seenInPeer.length).toBeGreaterThan(0)
    } finally {
      sh(`umount "${peer}"; umount "${shared}"`)
    }
    expect(hostSnapshot(work)).toEqual(before)
  })
})

describe('secrets', () => {
  it('plan shows the names of secret variables, never their values (text and --json)', async () => {
    for (const json of [false, true]) {
      const plan = await runCli(IW_BIN, {
        args: ['plan', ...(json ? ['--json'] : []), '-n', 'host-os', 'says-secret'],
        env: { ...env(join(work, 'tmp')), DIB_TEST_PASSWORD: SECRET },
      })
      expect(plan.code).toBe(0)
      expect(plan.stdout).toContain('DIB_TEST_PASSWORD')
      expect(plan.stdout).not.toContain(SECRET)
    }
  })

  it('a traced build shows no secret on the terminal, in logs or reports, all owner-only', async () => {
    const logs = join(work, 'logs')
    const result = await runCli(DIB_BIN, {
      args: [
        '-x',
        '-n',
        '-o',
        join(work, 'secret'),
        '-t',
        'tar',
        '--logfile',
        join(logs, 'build.log'),
        '--json-log',
        join(logs, 'build.jsonl'),
        '--html-report',
        join(logs, 'report.html'),
        'host-os',
        'says-secret',
      ],
      env: { ...env(join(work, 'tmp')), DIB_TEST_PASSWORD: SECRET, DIB_QUIET: '0' },
      timeoutMs: 180_000,
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('the password is ***')
    for (const text of [result.stdout, result.stderr]) expect(text).not.toContain(SECRET)
    for (const file of ['build.log', 'build.jsonl', 'report.html']) {
      const text = readFileSync(join(logs, file), 'utf8')
      // The report shows a successful build's steps, not its output lines.
      if (file !== 'report.html') expect(text, file).toContain('the password is ***')
      expect(text, file).not.toContain(SECRET)
      expect(statSync(join(logs, file)).mode & 0o777, file).toBe(0o600)
    }
    expect(hostSnapshot(work)).toEqual(before)
  })
})
