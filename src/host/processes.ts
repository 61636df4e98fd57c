// Processes a chroot session started (daemons a package install spawned, stray background jobs)
// must not outlive the build: they would keep its mounts busy and hold the host's devices.
import { readdir, readlink } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { isInside } from '../util/is-inside.ts'

/**
 * Processes chrooted into `root` or below it; with `includeCwd`, also host processes working in
 * it (hook scripts run with their cwd in the build directory).
 */
export async function processesRootedIn(root: string, includeCwd = false): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    const links = includeCwd ? ['root', 'cwd'] : ['root']
    for (const link of links) {
      const target = await readlink(`/proc/${entry}/${link}`).catch(() => undefined)
      if (target !== undefined && target !== '/' && isInside(root, target)) {
        pids.push(Number(entry))
        break
      }
    }
  }
  return pids
}

/** TERM, wait, then KILL whatever still runs inside `root`. Returns the pids it signalled. */
export async function killProcessesRootedIn(root: string, graceMs = 2_000, includeCwd = false): Promise<number[]> {
  const found = await processesRootedIn(root, includeCwd)
  if (found.length === 0) return []
  for (const pid of found) signal(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && (await processesRootedIn(root, includeCwd)).length > 0) await sleep(100)
  for (const pid of await processesRootedIn(root, includeCwd)) signal(pid, 'SIGKILL')
  return found
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}
