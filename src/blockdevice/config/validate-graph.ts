// Stage five: rules that span nodes. Names are unique, every base names a node of a kind that
// can carry it, a device feeds at most one consumer, mount points and labels are unique.
import { configErrorAt, originAt } from './config-source.ts'
import { describeRootTypeProblem } from './filesystem-rules.ts'
import type { BlockDeviceNode, NodeKind, PartitionTable } from './node-types.ts'

type Nodes = ReadonlyMap<string, BlockDeviceNode>

const DEVICE_KINDS: readonly NodeKind[] = ['local_loop', 'partition', 'lv']

/** Nodes by name; the second of two nodes with one name is refused. */
export function indexNodes(nodes: readonly BlockDeviceNode[]): Map<string, BlockDeviceNode> {
  const byName = new Map<string, BlockDeviceNode>()
  for (const node of nodes) {
    const first = byName.get(node.name)
    if (first) {
      throw configErrorAt(
        originAt(node.origin, 'name'),
        `Duplicate node name "${node.name}": ${first.kind} "${first.name}" at ${first.origin.source.where(first.origin.path)} has it already`,
      )
    }
    byName.set(node.name, node)
  }
  return byName
}

export function validateGraph(nodes: Nodes, tables: readonly PartitionTable[]): void {
  for (const table of tables)
    checkBase(nodes, table.name, 'partitioning', table.base, ['local_loop'], table)
  const consumers = new Map<string, string>()
  const claim = (
    device: string,
    consumer: BlockDeviceNode | PartitionTable,
    what: string,
  ): void => {
    const previous = consumers.get(device)
    if (previous !== undefined) {
      throw configErrorAt(
        originAt(consumer.origin, 'base'),
        `Cannot use "${device}" as base of ${what}: ${previous} uses it already`,
      )
    }
    consumers.set(device, what)
  }
  for (const table of tables) claim(table.base, table, `partitioning "${table.name}"`)
  for (const node of nodes.values()) checkNode(nodes, node, claim)
  checkMountPoints(nodes)
  checkLabels(nodes)
}

function checkNode(
  nodes: Nodes,
  node: BlockDeviceNode,
  claim: (device: string, consumer: BlockDeviceNode, what: string) => void,
): void {
  const what = `${node.kind} "${node.name}"`
  switch (node.kind) {
    case 'local_loop':
    case 'lvm':
      return
    case 'partition':
      if (node.base !== node.table.base) {
        throw configErrorAt(
          originAt(node.origin, 'base'),
          `Cannot use base "${node.base}" for partition "${node.name}": partitions live on their table's base "${node.table.base}"`,
        )
      }
      return
    case 'pv':
      checkBase(nodes, node.name, 'pv', node.base, ['local_loop', 'partition'], node)
      claim(node.base, node, what)
      return
    case 'vg':
      for (const pv of node.pvs) {
        checkBase(nodes, node.name, 'vg', pv, ['pv'], node)
        claim(pv, node, what)
      }
      return
    case 'lv':
      checkBase(nodes, node.name, 'lv', node.base, ['vg'], node)
      if (node.thinPool !== undefined)
        checkThinPool(nodes, node.name, node.thinPool, node.base, node)
      return
    case 'mkfs':
      checkBase(nodes, node.name, 'mkfs', node.base, DEVICE_KINDS, node)
      claim(node.base, node, what)
      return
    case 'mount':
      checkBase(nodes, node.name, 'mount', node.base, ['mkfs'], node)
      claim(node.base, node, what)
      return
    case 'fstab':
      checkBase(nodes, node.name, 'fstab', node.base, ['mount'], node)
      claim(node.base, node, what)
      return
  }
}

// DIB's wording ("Edge not defined: a->b") kept in front so old bug reports still match.
function checkBase(
  nodes: Nodes,
  name: string,
  kind: string,
  base: string,
  allowed: readonly NodeKind[],
  holder: { readonly origin: BlockDeviceNode['origin'] },
): void {
  const target = nodes.get(base)
  const origin = originAt(holder.origin, 'base')
  if (!target) {
    throw configErrorAt(
      origin,
      `Edge not defined: ${base}->${name}: no node is named "${base}" (base of ${kind} "${name}")`,
    )
  }
  if (!allowed.includes(target.kind)) {
    throw configErrorAt(
      origin,
      `Cannot use ${target.kind} "${base}" as base of ${kind} "${name}": it must be a ${allowed.join(' or ')} node`,
    )
  }
}

function checkThinPool(
  nodes: Nodes,
  name: string,
  pool: string,
  vg: string,
  holder: BlockDeviceNode,
): void {
  const target = nodes.get(pool)
  if (!target || target.kind !== 'lv' || target.type !== 'thin-pool' || target.base !== vg) {
    throw configErrorAt(
      originAt(holder.origin, 'thin-pool'),
      `Cannot use thin pool "${pool}" for logical volume "${name}": it must be a logical volume of type "thin-pool" in volume group "${vg}"`,
    )
  }
}

function checkMountPoints(nodes: Nodes): void {
  const seen = new Map<string, string>()
  for (const node of nodes.values()) {
    if (node.kind !== 'mount') continue
    const fs = nodes.get(node.base)
    const isSwap = fs?.kind === 'mkfs' && fs.type === 'swap'
    if (isSwap !== (node.mountPoint === 'none')) {
      const reason = isSwap
        ? 'swap is not mounted, use mount_point "none"'
        : '"none" is only for swap'
      throw configErrorAt(
        originAt(node.origin, 'mount_point'),
        `Cannot use mount_point "${node.mountPoint}" for mount "${node.name}": ${reason}`,
      )
    }
    if (node.mountPoint === 'none') continue
    const rootProblem =
      node.mountPoint === '/' && fs?.kind === 'mkfs' ? describeRootTypeProblem(fs.type) : undefined
    if (rootProblem !== undefined && fs?.kind === 'mkfs') {
      throw configErrorAt(
        originAt(node.origin, 'mount_point'),
        `Cannot use ${fs.type} filesystem "${fs.name}" as the root: ${rootProblem}`,
      )
    }
    const previous = seen.get(node.mountPoint)
    if (previous !== undefined) {
      throw configErrorAt(
        originAt(node.origin, 'mount_point'),
        `Duplicate mount point "${node.mountPoint}": mount "${previous}" uses it already`,
      )
    }
    seen.set(node.mountPoint, node.name)
  }
}

function checkLabels(nodes: Nodes): void {
  const seen = new Map<string, string>()
  for (const node of nodes.values()) {
    if (node.kind !== 'mkfs') continue
    const previous = seen.get(node.label)
    if (previous !== undefined) {
      throw configErrorAt(
        originAt(node.origin, 'label'),
        `Duplicate filesystem label "${node.label}": mkfs "${node.name}" and mkfs "${previous}" both use it, labels must be unique`,
      )
    }
    seen.set(node.label, node.name)
  }
}
