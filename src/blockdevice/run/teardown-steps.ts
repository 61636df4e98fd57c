// What releasing the block devices runs, in order: flush, trim and unmount filesystems
// (children first), deactivate volume groups, detach loop devices.
import { filesystemType } from '../filesystems.ts'
import { buildVgDeactivateArgv } from './lvm-argv.ts'
import type { Argv } from './steps.ts'

export interface MountRecord {
  readonly mountPoint: string
  readonly path: string
  readonly device: string
  readonly fstype: string
}

/** Trimming lets sparse images stay small; the filesystem table says where it is unreliable. */
export function shouldTrim(fstype: string): boolean {
  return filesystemType(fstype)?.trim ?? true
}

/** sync, then per mount in reverse mount order: fstrim (if useful) and umount. */
export function listUnmountCommands(mounts: readonly MountRecord[]): Argv[] {
  if (mounts.length === 0) return []
  const commands: Argv[] = [['sync']]
  for (const mount of [...mounts].reverse()) {
    if (shouldTrim(mount.fstype)) commands.push(['fstrim', '--verbose', mount.path])
    commands.push(['umount', mount.path])
  }
  return commands
}

export function listDetachCommands(
  volumeGroups: readonly string[],
  loopDevices: readonly string[],
): Argv[] {
  return [
    ...[...volumeGroups].reverse().map((vg) => buildVgDeactivateArgv(vg)),
    ...[...loopDevices].reverse().map((device): Argv => ['losetup', '-d', device]),
  ]
}
