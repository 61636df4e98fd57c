// Runs the compiled CLI the way a user does, and snapshots what a build could leave on the host.
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export const REPO = join(import.meta.dirname, '..', '..')
export const DIB_BIN = join(REPO, 'dist', 'cli', 'disk-image-create.js')
export const IW_BIN = join(REPO, 'dist', 'cli', 'imagewright.js')
export const RAMDISK_BIN = join(REPO, 'dist', 'cli', 'ramdisk-image-create.js')
export const HOST_OS_ELEMENTS = join(REPO, 'test', 'fixtures', 'elements')
/** Shared across test runs on one machine: the Debian root tarball is made once. */
export const TEST_CACHE = process.env['IMAGEWRIGHT_TEST_CACHE'] ?? '/var/tmp/imagewright-test-cache'

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliRun {
  readonly args: readonly string[]
  readonly env?: Record<string, string>
  readonly cwd?: string
  /** Send this signal once a line of output matches `when`. */
  readonly interrupt?: { readonly when: RegExp; readonly signal: NodeJS.Signals }
  readonly timeoutMs?: number
}

export function runCli(bin: string, run: CliRun): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...run.args], {
      cwd: run.cwd ?? REPO,
      // The step cache is tested on its own (cache.test.ts); other tests must see every build run.
      env: { ...process.env, DIB_NO_TIMESTAMP: '1', IMAGEWRIGHT_NO_CACHE: '1', ...run.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    const check = (): void => {
      if (run.interrupt && !interrupted && run.interrupt.when.test(stdout + stderr)) {
        interrupted = true
        child.kill(run.interrupt.signal)
      }
    }
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      check()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      check()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 1_500_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

export interface HostSnapshot {
  readonly loops: string
  readonly mounts: string
  readonly resolvConf: string
  readonly chrootProcesses: string
  /** Journals of unfinished builds (with a scope: whether any mentions it). */
  readonly journals: string
}

/**
 * What a build must leave exactly as it found it. With `scope` (a directory the test's builds
 * use as TMPDIR), only resources below it count, so builds running elsewhere on the machine
 * do not disturb the comparison.
 */
export function hostSnapshot(scope?: string): HostSnapshot {
  const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' })
  const mine = (text: string): string =>
    scope === undefined
      ? text
      : text
          .split('\n')
          .filter((line) => line.includes(scope))
          .join('\n')
  const journals = sh('cat /run/imagewright/builds/*.json 2>/dev/null || true')
  return {
    loops: mine(sh('losetup -a | sort')),
    mounts: mine(sh("findmnt -rn -o TARGET | grep -E '^/(tmp|var/tmp|work|run)/' | sort || true")),
    resolvConf: readFileSync('/etc/resolv.conf', 'utf8'),
    chrootProcesses: mine(
      sh(
        'for p in /proc/[0-9]*; do r=$(readlink $p/root 2>/dev/null) || continue; case $r in /tmp/dib_*|/var/tmp/dib_*|/tmp/iw-*|/var/tmp/iw-*) echo "${p#/proc/} $r";; esac; done',
      ),
    ),
    journals: scope === undefined ? journals : String(journals.includes(scope)),
  }
}
