// Mounting and unmounting on the host, each mount journaled the moment it exists. umount is
// retried because a filesystem is sometimes still busy right after the last process left it.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import type { ResourceJournal } from './journal.ts'

export interface MountDeps {
  readonly runner: Runner
  readonly journal: ResourceJournal
  readonly reporter: Reporter
}

export interface MountRequest {
  readonly source: string
  readonly target: string
  readonly type?: string
  readonly options?: readonly string[]
  readonly bind?: boolean
  /**
   * Make the new mount private at once (`--make-private`): nothing mounted below it later
   * propagates to the host or to other mount namespaces, whatever the host's / is (shared under
   * systemd). A bind of a shared mount (/dev) would otherwise join the host's peer group.
   */
  readonly private?: boolean
}

export function buildMountArgv(request: MountRequest): [string, ...string[]] {
  const argv: [string, ...string[]] = ['mount']
  if (request.bind) argv.push('--bind')
  if (request.type) argv.push('-t', request.type)
  if (request.options && request.options.length > 0) argv.push('-o', request.options.join(','))
  if (request.private) argv.push('--make-private')
  argv.push(request.source, request.target)
  return argv
}

/** Mount and return the release that unmounts it again. */
export async function mountOn(
  request: MountRequest,
  deps: MountDeps,
): Promise<() => Promise<void>> {
  await deps.runner.run(
    { argv: buildMountArgv(request), label: `mount ${request.target}` },
    { quiet: true },
  )
  try {
    await deps.journal.record({ kind: 'mount', path: request.target })
  } catch (error) {
    // Not written down, so not recoverable after a crash: do not keep it.
    await unmount(request.target, deps)
    throw error
  }
  deps.reporter.emit({ kind: 'resource', action: 'acquire', resource: `mount ${request.target}` })
  return () => unmount(request.target, deps)
}

const UMOUNT_ATTEMPTS = 10
const UMOUNT_DELAY_MS = 500

export async function unmount(target: string, deps: MountDeps): Promise<void> {
  for (let attempt = 1; attempt <= UMOUNT_ATTEMPTS; attempt++) {
    if (!(await isMountPoint(target, deps.runner))) break
    const result = await deps.runner.run(
      { argv: ['umount', target], label: `umount ${target}` },
      { quiet: true, allowFailure: true },
    )
    if (result.exitCode === 0) break
    if (attempt === UMOUNT_ATTEMPTS) {
      // Still busy after every retry: detach it from the tree so the host is left clean, and
      // say so, since something kept a file open.
      deps.reporter.emit({
        kind: 'warning',
        message: `Unmounting "${target}" lazily: it stayed busy (${result.stderr.trim()})`,
      })
      await deps.runner.run(
        { argv: ['umount', '--lazy', target], label: `umount --lazy ${target}` },
        { quiet: true },
      )
      break
    }
    await sleep(UMOUNT_DELAY_MS * attempt)
  }
  await deps.journal.forget({ kind: 'mount', path: target })
  deps.reporter.emit({ kind: 'resource', action: 'release', resource: `mount ${target}` })
}

export async function isMountPoint(target: string, runner: Runner): Promise<boolean> {
  const result = await runner.run(
    { argv: ['findmnt', '--noheadings', '--output', 'TARGET', '--mountpoint', target] },
    { quiet: true, allowFailure: true },
  )
  return result.exitCode === 0 && result.stdout.trim() !== ''
}

/** Every mount point at or below `dir`, deepest first, read from the kernel's mount table. */
export async function mountsBelow(dir: string, runner: Runner): Promise<string[]> {
  const result = await runner.run(
    { argv: ['findmnt', '--list', '--noheadings', '--output', 'TARGET'] },
    { quiet: true, allowFailure: true },
  )
  const prefix = dir.endsWith('/') ? dir : `${dir}/`
  return result.stdout
    .split('\n')
    .map((line) => line.trim().replace(/\\x20/g, ' '))
    .filter((target) => target === dir || target.startsWith(prefix))
    .sort((a, b) => b.length - a.length)
}
