// Identifiers written into an image: filesystem UUIDs, the MBR disk id, GPT disk and partition
// GUIDs. Given a seed, each is derived from sha256(seed, purpose) so the same build inputs give
// byte-identical tables and UUIDs; without one they are random, as DIB makes them.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { configErrorAt, originAt } from '../config/config-source.ts'
import { filesystemType } from '../filesystems.ts'
import type { MkfsNode } from '../config/node-types.ts'
import type { BlockDevicePlan } from '../config/plan.ts'

export interface ResolvedIdentities {
  /** mkfs node name → UUID as blkid shows it ("XXXX-XXXX" for vfat); absent when unsettable. */
  readonly filesystems: ReadonlyMap<string, string>
  /** MBR table name → 32-bit disk identifier. */
  readonly mbrDiskIds: ReadonlyMap<string, number>
  /** GPT table name → disk GUID; only when seeded (sgdisk picks one otherwise). */
  readonly gptDiskGuids: ReadonlyMap<string, string>
  /** GPT partition name → partition GUID; only when seeded. */
  readonly partitionGuids: ReadonlyMap<string, string>
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const VFAT_ID = /^([0-9a-f]{4})-?([0-9a-f]{4})$/i

/** Filesystem types whose UUID we can choose at mkfs time. */
export function canSetUuid(type: string): boolean {
  return filesystemType(type)?.uuid !== undefined
}

/** FAT takes an 8-hex-digit volume id ("1A2B-3C4D") where others take a UUID. */
function takesVolumeId(type: string): boolean {
  return filesystemType(type)?.uuid?.kind === 'fat-volume-id'
}

/** sha256(seed NUL purpose), the root of every derived identifier. */
export function deriveBytes(seed: string, purpose: string): Buffer {
  return createHash('sha256').update(seed).update('\0').update(purpose).digest()
}

/** A random-looking (version 4, RFC 4122 variant) UUID derived from a seed and a purpose. */
export function deriveUuid(seed: string, purpose: string): string {
  return formatUuidV4(deriveBytes(seed, purpose))
}

export function formatUuidV4(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16))
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = b.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function resolveIdentities(
  plan: BlockDevicePlan,
  seed: string | undefined,
): ResolvedIdentities {
  const filesystems = new Map<string, string>()
  const mbrDiskIds = new Map<string, number>()
  const gptDiskGuids = new Map<string, string>()
  const partitionGuids = new Map<string, string>()
  for (const node of plan.nodes) {
    if (node.kind !== 'mkfs') continue
    const uuid = resolveFilesystemUuid(node, seed)
    if (uuid !== undefined) filesystems.set(node.name, uuid)
  }
  for (const table of plan.tables) {
    if (table.label === 'mbr') {
      const bytes =
        seed === undefined ? randomBytes(4) : deriveBytes(seed, `mbr-disk-id:${table.name}`)
      // A zero id reads as "none" to some tools; nudge it.
      mbrDiskIds.set(table.name, bytes.readUInt32LE(0) || 1)
    } else if (seed !== undefined) {
      gptDiskGuids.set(table.name, deriveUuid(seed, `gpt-disk:${table.name}`))
      for (const name of table.partitions)
        partitionGuids.set(name, deriveUuid(seed, `gpt-partition:${name}`))
    }
  }
  return { filesystems, mbrDiskIds, gptDiskGuids, partitionGuids }
}

function resolveFilesystemUuid(node: MkfsNode, seed: string | undefined): string | undefined {
  if (node.uuid !== undefined) return checkConfigUuid(node, node.uuid)
  if (!canSetUuid(node.type)) return undefined
  if (takesVolumeId(node.type)) {
    const bytes = seed === undefined ? randomBytes(4) : deriveBytes(seed, `filesystem:${node.name}`)
    const hex = bytes.subarray(0, 4).toString('hex').toUpperCase()
    return `${hex.slice(0, 4)}-${hex.slice(4)}`
  }
  return seed === undefined ? randomUUID() : deriveUuid(seed, `filesystem:${node.name}`)
}

function checkConfigUuid(node: MkfsNode, uuid: string): string {
  const fail = (reason: string): never => {
    throw configErrorAt(
      originAt(node.origin, 'uuid'),
      `Cannot use uuid "${uuid}" for ${node.type} filesystem "${node.name}": ${reason}`,
    )
  }
  if (!canSetUuid(node.type))
    return fail(`imagewright cannot set the UUID of ${node.type} filesystems`)
  if (takesVolumeId(node.type)) {
    const match = VFAT_ID.exec(uuid)
    if (!match) return fail('a vfat volume id is 8 hex digits, such as "1A2B-3C4D"')
    return `${match[1]}-${match[2]}`.toUpperCase()
  }
  if (!UUID.test(uuid))
    return fail('expected a UUID such as "7f1c2e4a-0b3d-4c5e-8f60-718293a4b5c6"')
  return uuid.toLowerCase()
}
