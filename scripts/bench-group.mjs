// Runs one command of the side-by-side benchmark in a cgroup of its own, so that every process
// it starts (hooks, apt, dpkg, qemu-img, detached ones too) is measured and, when it ends,
// stopped: the same for DIB and imagewright. Memory is sampled every 200 ms over the group:
// the sum of PSS (proportional set size: shared pages split between the processes sharing
// them, so a library is not counted once per process) and the largest single VmHWM (a
// process's own high-water mark). Files in tmpfs and the page cache are not counted by either.
// The cgroup is used for membership only (v1 "pids" hierarchy, else cgroup v2); without one, the
// processes are found by walking parent ids from the command (a detached process is missed).
// The command runs under GNU time, whose "maximum resident set size" is the builder's peak RSS
// as issue #11 measured it: the largest single process the command and its waited-for
// descendants ever had, however short-lived (sampling every 200 ms can miss one).
import { spawn } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  rmdirSync,
} from 'node:fs'
import { join } from 'node:path'
import { clearTimeout } from 'node:timers'

const HIERARCHIES = ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified', '/sys/fs/cgroup']
let groupCount = 0
const running = new Set()

/** Passes a signal the benchmark received on to the running command (DIB and imagewright clean up on SIGTERM). */
export function forwardSignal(signal) {
  for (const child of running) {
    // GNU time would die of the signal and leave the build running: signal the build itself.
    const builder = childrenOf(child.pid)[0]
    try {
      process.kill(builder ?? child.pid, signal)
    } catch {
      // Already gone.
    }
  }
}

function childrenOf(parent) {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => readNumber(`/proc/${entry}/stat`, /^\d+ \(.*\) \S+ (\d+)/s) === parent)
    .map(Number)
}

function makeGroup() {
  for (const root of HIERARCHIES) {
    if (!existsSync(join(root, 'cgroup.procs'))) continue
    const dir = join(root, `iw-bench-${process.pid}-${groupCount++}`)
    try {
      mkdirSync(dir)
      return dir
    } catch {
      // Not writable here (no delegation): try the next one.
    }
  }
  return undefined
}

function readNumber(path, pattern) {
  try {
    const match = pattern.exec(readFileSync(path, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0 // The process ended between listing and reading.
  }
}

function groupPids(group, rootPid) {
  if (group !== undefined) {
    try {
      return readFileSync(join(group, 'cgroup.procs'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(Number)
    } catch {
      return []
    }
  }
  const children = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const ppid = readNumber(`/proc/${entry}/stat`, /^\d+ \(.*\) \S+ (\d+)/s)
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
  }
  const pids = []
  for (let queue = [rootPid]; queue.length > 0;) {
    const pid = queue.shift()
    pids.push(pid)
    queue = [...queue, ...(children.get(pid) ?? [])]
  }
  return pids
}

/** GNU time's last line is the KiB it measured (earlier lines say how the command ended). */
function maxRssKiB(file) {
  try {
    const last = readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? ''
    return /^\d+$/.test(last) ? Number(last) : 0
  } catch {
    return 0
  }
}

/** Stops what is left in the group (a process the command left behind) and removes the group. */
async function releaseGroup(group) {
  let strays = 0
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = groupPids(group, 0)
    if (pids.length === 0) break
    strays = Math.max(strays, pids.length)
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  try {
    rmdirSync(group)
  } catch (error) {
    process.stderr.write(`bench: cannot remove cgroup ${group}: ${error.message}\n`)
  }
  return strays
}

/**
 * Runs `argv` with `env` in `cwd`, its output appended to `logPath`. Resolves to { code,
 * seconds, peakTreeMB, peakProcessMB, maxRssMB, strays } (strays: processes still in the group
 * when the command had ended, stopped here; maxRssMB: GNU time's maximum resident set size).
 */
export async function runMeasured(argv, { env, cwd, logPath, timeoutMs = 3_600_000 }) {
  const group = makeGroup()
  const log = openSync(logPath, 'a')
  const rssFile = `${logPath}.maxrss`
  rmSync(rssFile, { force: true })
  const timed = ['/usr/bin/time', '-f', '%M', '-o', rssFile, ...argv]
  // The shell joins the group before it becomes the command, so no child escapes it.
  const wrapped =
    group === undefined
      ? timed
      : ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', group, ...timed]
  const started = performance.now()
  const child = spawn(wrapped[0], wrapped.slice(1), { cwd, env, stdio: ['ignore', log, log] })
  running.add(child)
  let peakTreeKiB = 0
  let peakProcessKiB = 0
  const sample = () => {
    let pss = 0
    for (const pid of groupPids(group, child.pid)) {
      pss += readNumber(`/proc/${pid}/smaps_rollup`, /^Pss:\s+(\d+) kB/m)
      peakProcessKiB = Math.max(
        peakProcessKiB,
        readNumber(`/proc/${pid}/status`, /^VmHWM:\s+(\d+) kB/m),
      )
    }
    peakTreeKiB = Math.max(peakTreeKiB, pss)
  }
  const timer = setInterval(sample, 200)
  const killer = setTimeout(() => child.kill('SIGTERM'), timeoutMs)
  try {
    const code = await new Promise((resolve) => {
      child.on('error', () => resolve(-1))
      child.on('close', (exitCode, signal) => resolve(exitCode ?? signal))
    })
    const seconds = (performance.now() - started) / 1000
    const strays = group === undefined ? 0 : await releaseGroup(group)
    return {
      code,
      seconds,
      peakTreeMB: (peakTreeKiB * 1024) / 1e6,
      peakProcessMB: (peakProcessKiB * 1024) / 1e6,
      maxRssMB: (maxRssKiB(rssFile) * 1024) / 1e6,
      strays,
    }
  } finally {
    running.delete(child)
    clearInterval(timer)
    clearTimeout(killer)
    closeSync(log)
    if (group !== undefined && existsSync(group)) await releaseGroup(group)
  }
}
