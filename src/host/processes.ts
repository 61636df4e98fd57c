// Processes a chroot session started (daemons a package install spawned, stray background jobs)
// must not outlive the build: they would keep its mounts busy and hold the host's devices.
import { readdir, readlink } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { isInside } from '../chroot/safe-path.ts'

export async function processesRootedIn(root: string): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const procRoot = await readlink(`/proc/${entry}/root`).catch(() => undefined)
    if (procRoot !== undefined && procRoot !== '/' && isInside(root, procRoot)) pids.push(Number(entry))
  }
  return pids
}

/** TERM, wait, then KILL whatever still runs inside `root`. Returns the pids it signalled. */
export async function killProcessesRootedIn(root: string, graceMs = 2_000): Promise<number[]> {
  const found = await processesRootedIn(root)
  if (found.length === 0) return []
  for (const pid of found) signal(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline && (await processesRootedIn(root)).length > 0) await sleep(100)
  for (const pid of await processesRootedIn(root)) signal(pid, 'SIGKILL')
  return found
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}
