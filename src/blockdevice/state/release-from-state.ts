// Releasing, in a later process, what `block-device create` left mounted and attached. The
// record may be stale (`imagewright cleanup` or the user may have released some of it, and the
// kernel reuses loop numbers), so only what still exists as recorded is touched; the release
// itself is the one createBlockDevices() uses, so both run the same commands in the same order.
import type { Runner } from '../../exec/command.ts'
import type { JournalEntry } from '../../host/journal.ts'
import { nodeDeviceHost } from '../run/device-host.ts'
import { HeldResources, type HeldLoop, type HeldSnapshot } from '../run/held-resources.ts'
import type { BlockDeviceDeps } from '../run/deps.ts'
import type { MountRecord } from '../run/teardown-steps.ts'

export interface ReleaseOutcome {
  /** What is still held afterwards: empty unless something failed. */
  readonly left: HeldSnapshot
  /** The first failure, if any; the caller records `left` before rethrowing it. */
  readonly failure: unknown
}

/** The recorded resources that are still there: mounts of that device there, loops of that file. */
export async function findStillHeld(held: HeldSnapshot, runner: Runner): Promise<HeldSnapshot> {
  const mounts: MountRecord[] = []
  for (const mount of held.mounts) if (await isStillMounted(mount, runner)) mounts.push(mount)
  const loops: HeldLoop[] = []
  for (const loop of held.loops) if (await isStillAttached(loop, runner)) loops.push(loop)
  const volumeGroups: string[] = []
  for (const vg of held.volumeGroups) if (await volumeGroupExists(vg, runner)) volumeGroups.push(vg)
  return { mounts, loops, volumeGroups, createdNodes: held.createdNodes }
}

/** Journal entries for a snapshot, oldest first as they were taken: loops before their mounts. */
export function listJournalEntries(held: HeldSnapshot): JournalEntry[] {
  return [
    ...held.loops.map((loop): JournalEntry => ({
      kind: 'loop',
      device: loop.device,
      file: loop.image,
    })),
    ...held.mounts.map((mount): JournalEntry => ({ kind: 'mount', path: mount.path })),
  ]
}

/**
 * Unmount (children first), deactivate volume groups, detach loops, remove device nodes we
 * made. As when a build disposes its devices, loops are detached even if a mount stays busy.
 */
export async function releaseHeld(
  held: HeldSnapshot,
  deps: BlockDeviceDeps,
): Promise<ReleaseOutcome> {
  const resources = new HeldResources(deps, deps.host ?? nodeDeviceHost)
  resources.adopt(held)
  let failure: unknown
  try {
    await resources.unmountAll()
  } catch (error) {
    failure = error
  }
  try {
    await resources.detachAll()
  } catch (error) {
    failure ??= error
  }
  return { left: resources.snapshot(), failure }
}

export function buildMountSourceArgv(path: string): [string, ...string[]] {
  return ['findmnt', '--noheadings', '--output', 'SOURCE', '--mountpoint', path]
}

export function buildLoopBackingFileArgv(device: string): [string, ...string[]] {
  return ['losetup', '--list', '--noheadings', '--output', 'BACK-FILE', device]
}

/** losetup marks a backing file removed since attaching with " (deleted)". */
export function parseBackingFile(stdout: string): string {
  return stdout.trim().replace(/ \(deleted\)$/, '')
}

async function isStillMounted(mount: MountRecord, runner: Runner): Promise<boolean> {
  const result = await runner.run(
    { argv: buildMountSourceArgv(mount.path) },
    { quiet: true, allowFailure: true },
  )
  return (
    result.exitCode === 0 && result.stdout.split('\n').some((line) => line.trim() === mount.device)
  )
}

// A loop number freed by someone else may since back another file: that device is not ours.
async function isStillAttached(loop: HeldLoop, runner: Runner): Promise<boolean> {
  const result = await runner.run(
    { argv: buildLoopBackingFileArgv(loop.device) },
    { quiet: true, allowFailure: true },
  )
  return result.exitCode === 0 && parseBackingFile(result.stdout) === loop.image
}

async function volumeGroupExists(vg: string, runner: Runner): Promise<boolean> {
  const result = await runner.run(
    { argv: ['vgs', '--noheadings', '--options', 'vg_name', vg] },
    { quiet: true, allowFailure: true },
  )
  return result.exitCode === 0 && result.stdout.trim() !== ''
}
