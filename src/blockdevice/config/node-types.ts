// Typed block-device nodes: what the graph, the ordering and the runtime work with. One
// config entry gives one node, except partitioning (one node per partition) and lvm (a driver
// node plus one node per PV, VG and LV), as in DIB.
import type { SizeSpec } from '../../util/size.ts'
import type { ConfigOrigin } from './config-source.ts'
import type { SectorSize } from '../../util/sector-size.ts'

interface NodeCommon {
  readonly name: string
  /** Position in config order, used to break ties so the order is always the same. */
  readonly index: number
  readonly origin: ConfigOrigin
}

export interface LocalLoopNode extends NodeCommon {
  readonly kind: 'local_loop'
  /** Bytes; when absent the build's image size is used. */
  readonly size: number | undefined
  readonly directory: string | undefined
  readonly blockSize: SectorSize | undefined
}

export type PartitionLabel = 'mbr' | 'gpt'

/** The partitioning entry itself; it is not a node, its partitions are. */
export interface PartitionTable {
  readonly name: string
  readonly base: string
  readonly label: PartitionLabel
  /** Alignment in bytes (MBR only). */
  readonly align: number
  readonly partitions: readonly string[]
  readonly origin: ConfigOrigin
}

export interface PartitionNode extends NodeCommon {
  readonly kind: 'partition'
  /** As written (default: the table's base); the graph rules require it to be the table's base. */
  readonly base: string
  readonly table: PartitionTable
  /** Position inside its table, from 0. */
  readonly position: number
  readonly size: SizeSpec
  readonly boot: boolean
  readonly primary: boolean
  /** As written: an MBR hex type ("0x83") or an sgdisk type code ("8300"); undefined = default. */
  readonly type: string | undefined
}

export interface LvmNode extends NodeCommon {
  readonly kind: 'lvm'
  readonly pvs: readonly string[]
  readonly vgs: readonly string[]
  readonly lvs: readonly string[]
}

export interface PvNode extends NodeCommon {
  readonly kind: 'pv'
  readonly base: string
  readonly lvm: string
  readonly options: readonly string[]
}

export interface VgNode extends NodeCommon {
  readonly kind: 'vg'
  readonly pvs: readonly string[]
  readonly lvm: string
  readonly options: readonly string[]
}

export interface LvNode extends NodeCommon {
  readonly kind: 'lv'
  readonly base: string
  readonly lvm: string
  /** Bytes, or undefined when extents are used. */
  readonly size: number | undefined
  readonly extents: string | undefined
  readonly type: 'thin-pool' | 'thin' | undefined
  readonly thinPool: string | undefined
  readonly options: readonly string[]
}

/** An mkfs entry as written; mkfs_root may leave type, label and opts to the build's params. */
export interface MkfsDraft extends NodeCommon {
  readonly kind: 'mkfs'
  readonly base: string
  readonly type: string | undefined
  readonly label: string | undefined
  readonly opts: readonly string[] | undefined
  readonly uuid: string | undefined
}

/** An mkfs node with every value settled (root params merged, label defaulted). */
export interface MkfsNode extends NodeCommon {
  readonly kind: 'mkfs'
  readonly base: string
  /** Canonical type: "fat" is written as "vfat". */
  readonly type: string
  /** Effective label: upper-cased for vfat. */
  readonly label: string
  readonly opts: readonly string[]
  readonly uuid: string | undefined
}

export interface MountNode extends NodeCommon {
  readonly kind: 'mount'
  readonly base: string
  /** Absolute path inside the image, or "none" (swap). */
  readonly mountPoint: string
}

export interface FstabNode extends NodeCommon {
  readonly kind: 'fstab'
  readonly base: string
  readonly options: string
  readonly dumpFreq: number
  readonly fsckPassno: number
}

export type DraftNode =
  | LocalLoopNode
  | PartitionNode
  | LvmNode
  | PvNode
  | VgNode
  | LvNode
  | MkfsDraft
  | MountNode
  | FstabNode

export type BlockDeviceNode = Exclude<DraftNode, MkfsDraft> | MkfsNode

export type NodeKind = BlockDeviceNode['kind']

/** Nodes that are block devices something else can be built on. */
export type DeviceNode = LocalLoopNode | PartitionNode | LvNode

export function isDeviceNode(node: BlockDeviceNode): node is DeviceNode {
  return node.kind === 'local_loop' || node.kind === 'partition' || node.kind === 'lv'
}
