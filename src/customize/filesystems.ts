// What is on an image's partitions (from `blkid -p -o export`) and which of its fstab lines
// name filesystems of the image that must be mounted under the root. Pure.
import { normalize } from 'node:path'
import { linuxRootTypes } from '../blockdevice/filesystems.ts'

export interface ProbedFilesystem {
  readonly device: string
  /** blkid's TYPE: ext4, xfs, vfat, swap, crypto_LUKS, LVM2_member... */
  readonly type: string
  readonly uuid?: string | undefined
  readonly label?: string | undefined
  readonly partUuid?: string | undefined
  readonly partLabel?: string | undefined
}

/** Filesystems a Linux root may live on, and that this kernel mounts without helpers. */
export const ROOT_TYPES: ReadonlySet<string> = new Set(linuxRootTypes())

/** Containers whose contents cannot be reached through a loop device alone. */
export const UNREACHABLE_TYPES: Readonly<Record<string, string>> = {
  crypto_LUKS: 'an encrypted (LUKS) volume',
  LVM2_member: 'an LVM physical volume (needs device-mapper)',
  zfs_member: 'a ZFS pool member',
}

/** `blkid -p -o export DEVICE` → a probed filesystem, or undefined when blkid found nothing. */
export function parseBlkidExport(device: string, text: string): ProbedFilesystem | undefined {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1))
  }
  const type = fields.get('TYPE')
  if (type === undefined) return undefined
  return {
    device,
    type,
    uuid: fields.get('UUID'),
    label: fields.get('LABEL'),
    partUuid: fields.get('PART_ENTRY_UUID'),
    partLabel: fields.get('PART_ENTRY_NAME'),
  }
}

export interface FstabLine {
  readonly spec: string
  readonly mountPoint: string
  readonly fstype: string
  readonly options: readonly string[]
}

/** fstab's whitespace-separated fields; \040 is a space. Comments and short lines are skipped. */
export function parseFstab(text: string): FstabLine[] {
  const unescape = (field: string): string => field.replace(/\\040/g, ' ')
  return text.split('\n').flatMap((raw): FstabLine[] => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return []
    const [spec, mountPoint, fstype, options] = line.split(/\s+/)
    if (spec === undefined || mountPoint === undefined || fstype === undefined) return []
    return [
      {
        spec: unescape(spec),
        mountPoint: unescape(mountPoint),
        fstype,
        options: (options ?? 'defaults').split(','),
      },
    ]
  })
}

/** The filesystem an fstab spec names (UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-*). */
export function findSpec(
  spec: string,
  filesystems: readonly ProbedFilesystem[],
): ProbedFilesystem | undefined {
  const match = /^(UUID|LABEL|PARTUUID|PARTLABEL)=(.*)$/.exec(spec) ?? byPath(spec)
  if (!match) return undefined
  const value = (match[2] ?? '').replace(/^"(.*)"$/, '$1')
  const field = { UUID: 'uuid', LABEL: 'label', PARTUUID: 'partUuid', PARTLABEL: 'partLabel' }[
    match[1] as 'UUID'
  ]
  const same = (a: string | undefined): boolean =>
    a !== undefined &&
    (field === 'label' || field === 'partLabel'
      ? a === value
      : a.toLowerCase() === value.toLowerCase())
  return filesystems.find((fs) => same(fs[field as 'uuid']))
}

function byPath(spec: string): RegExpExecArray | null {
  const match = /^\/dev\/disk\/by-(uuid|label|partuuid|partlabel)\/(.*)$/.exec(spec)
  if (!match) return null
  const key = { uuid: 'UUID', label: 'LABEL', partuuid: 'PARTUUID', partlabel: 'PARTLABEL' }[
    match[1] as 'uuid'
  ]
  return /^(\w+)=(.*)$/.exec(`${key}=${(match[2] ?? '').replace(/\\x2f/g, '/')}`)
}

export interface PlannedMount {
  readonly mountPoint: string
  readonly filesystem: ProbedFilesystem
  /** Only the options that choose what is mounted (btrfs subvolumes); the rest are the guest's business. */
  readonly options: readonly string[]
}

export interface FstabPlan {
  readonly mounts: readonly PlannedMount[]
  /** Lines that name something not on this disk (network filesystems, other disks): not mounted. */
  readonly skipped: readonly string[]
}

const NOT_ON_DISK = new Set([
  'swap',
  'none',
  'tmpfs',
  'proc',
  'sysfs',
  'devpts',
  'devtmpfs',
  'nfs',
  'nfs4',
  'cifs',
  'bind',
])

/** What to mount below the root, parents before children; the root itself is already mounted. */
export function planFstabMounts(
  lines: readonly FstabLine[],
  filesystems: readonly ProbedFilesystem[],
  root: ProbedFilesystem,
): FstabPlan {
  const mounts: PlannedMount[] = []
  const skipped: string[] = []
  for (const line of lines) {
    const mountPoint = normalize(line.mountPoint)
    if (mountPoint === '/' || !mountPoint.startsWith('/') || NOT_ON_DISK.has(line.fstype)) continue
    if (line.options.includes('bind') || line.options.includes('noauto')) continue
    const filesystem = findSpec(line.spec, filesystems)
    if (
      filesystem === undefined ||
      (filesystem === root && !line.options.some((o) => o.startsWith('subvol')))
    ) {
      skipped.push(`${line.spec} ${mountPoint}`)
      continue
    }
    mounts.push({
      mountPoint,
      filesystem,
      options: line.options.filter((o) => /^subvol(id)?=/.test(o)),
    })
  }
  const depth = (path: string): number => path.split('/').filter(Boolean).length
  return { mounts: mounts.sort((a, b) => depth(a.mountPoint) - depth(b.mountPoint)), skipped }
}
