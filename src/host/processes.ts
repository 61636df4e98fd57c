// Processes a chroot session started (daemons a package install spawned, stray background jobs)
// must not outlive the build: they would keep its mounts busy and hold the host's devices.
import { readFileSync } from 'node:fs'
import { readdir, readFile, readlink } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { BUILD_ID_VARIABLE, BUILD_RESOURCE_VARIABLE } from '../exec/run.ts'
import { isInside } from '../util/is-inside.ts'

/**
 * Whether `pid` runs (a pid the kernel reused counts as running: the safe answer). A zombie
 * does not: a build killed with its parent waits there until something reaps it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Every running process but this one, by /proc. */
async function otherProcessIds(): Promise<number[]> {
  const entries = await readdir('/proc')
  return entries
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid)
}

/**
 * Processes chrooted into `root` or below it; with `includeCwd`, also host processes working in
 * it (hook scripts run with their cwd in the build directory).
 */
export async function processesRootedIn(root: string, includeCwd = false): Promise<number[]> {
  const pids: number[] = []
  for (const pid of await otherProcessIds()) {
    const links = includeCwd ? ['root', 'cwd'] : ['root']
    for (const link of links) {
      const target = await readlink(`/proc/${pid}/${link}`).catch(() => undefined)
      if (target !== undefined && target !== '/' && isInside(root, target)) {
        pids.push(pid)
        break
      }
    }
  }
  return pids
}

/**
 * Processes started by the build `buildId`, found by the variable in their environment; `kind`
 * 'resources' finds those it started to make or release a resource (losetup, FUSE daemons).
 */
export async function processesOfBuild(
  buildId: string,
  kind: 'hooks' | 'resources' = 'hooks',
): Promise<number[]> {
  const variable = kind === 'hooks' ? BUILD_ID_VARIABLE : BUILD_RESOURCE_VARIABLE
  const tag = `${variable}=${buildId}`
  const pids: number[] = []
  for (const pid of await otherProcessIds()) {
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '')
    if (environ.split('\0').includes(tag)) pids.push(pid)
  }
  return pids
}

/** TERM, wait, then KILL every process the build `buildId` started that still runs. */
export function stopProcessesOfBuild(
  buildId: string,
  graceMs = 2_000,
  kind: 'hooks' | 'resources' = 'hooks',
): Promise<number[]> {
  return terminate(() => processesOfBuild(buildId, kind), graceMs)
}

/** TERM, wait, then KILL whatever still runs inside `root`. Returns the pids it signalled. */
export function killProcessesRootedIn(
  root: string,
  graceMs = 2_000,
  includeCwd = false,
): Promise<number[]> {
  return terminate(() => processesRootedIn(root, includeCwd), graceMs)
}

/** TERM what `find` lists, give it `graceMs` to go, then KILL what is left. */
async function terminate(find: () => Promise<number[]>, graceMs: number): Promise<number[]> {
  const found = await find()
  if (found.length === 0) return []
  for (const pid of found) signal(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && (await find()).length > 0) await sleep(100)
  for (const pid of await find()) signal(pid, 'SIGKILL')
  return found
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

/**
 * Field 22 of /proc/PID/stat: when the process started, in clock ticks after boot. The command
 * name (field 2) may hold spaces and parentheses, so fields are counted after its last ")".
 */
export function parseStartTicks(stat: string): number | undefined {
  return statField(stat, 22)
}

/** The process group (field 5) of a /proc/PID/stat line. */
function parseGroup(stat: string): number | undefined {
  return statField(stat, 5)
}

/** Numeric field `n` (counted from 1, as proc(5) does) of a /proc/PID/stat line. */
function statField(stat: string, n: number): number | undefined {
  // Fields 3 onwards follow the command name, which may hold spaces and parentheses itself.
  const value = Number(
    stat
      .slice(stat.lastIndexOf(')') + 1)
      .trim()
      .split(/\s+/)[n - 3],
  )
  return Number.isSafeInteger(value) ? value : undefined
}

async function readStat(pid: number | string): Promise<string | undefined> {
  return readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
}

/** When `pid` started (clock ticks after boot); undefined when it is gone. */
export async function processStartTicks(pid: number): Promise<number | undefined> {
  const stat = await readStat(pid)
  return stat === undefined ? undefined : parseStartTicks(stat)
}

/**
 * Members of process group `pgid` that belong to the group a leader started at `startTicks`:
 * none when a leader of that id runs but started at another time (the id was reused).
 */
export async function membersOfGroup(pgid: number, startTicks: number): Promise<number[]> {
  const leader = await processStartTicks(pgid)
  if (leader !== undefined && leader !== startTicks) return []
  const members: number[] = []
  for (const pid of await otherProcessIds()) {
    const stat = await readStat(pid)
    if (stat === undefined || parseGroup(stat) !== pgid) continue
    if ((parseStartTicks(stat) ?? -1) >= startTicks) members.push(pid)
  }
  return members
}

/** TERM, wait, then KILL the members of a journaled process group. Returns the pids signalled. */
export function stopProcessGroup(
  pgid: number,
  startTicks: number,
  graceMs = 2_000,
): Promise<number[]> {
  return terminate(() => membersOfGroup(pgid, startTicks), graceMs)
}
