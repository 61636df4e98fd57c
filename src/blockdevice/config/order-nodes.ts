// Stage six: the order nodes are created in. The edges are DIB's; where DIB lets networkx pick
// any topological order, we take the ready node that comes first in the config, so one config
// always gives one order.
import { ConfigError } from '../../errors.ts'
import type { BlockDeviceNode, MountNode } from './node-types.ts'

type Nodes = ReadonlyMap<string, BlockDeviceNode>

/** Edges as [from, to] name pairs: "from" must be created before "to". */
export function collectEdges(nodes: Nodes): [string, string][] {
  const edges: [string, string][] = []
  const previousPartition = new Map<string, string>()
  for (const node of nodes.values()) {
    switch (node.kind) {
      case 'partition': {
        edges.push([node.table.base, node.name])
        const previous = previousPartition.get(node.table.name)
        if (previous !== undefined) edges.push([previous, node.name])
        previousPartition.set(node.table.name, node.name)
        break
      }
      case 'lvm':
        for (const pvName of node.pvs) {
          const pv = nodes.get(pvName)
          if (pv?.kind === 'pv') edges.push([pv.base, node.name])
          edges.push([node.name, pvName])
        }
        break
      case 'vg':
        for (const pv of node.pvs) edges.push([pv, node.name])
        break
      case 'lv':
        edges.push([node.base, node.name])
        if (node.thinPool !== undefined) edges.push([node.thinPool, node.name])
        break
      case 'pv':
      case 'mkfs':
      case 'mount':
      case 'fstab':
        edges.push([node.base, node.name])
        break
      case 'local_loop':
        break
    }
  }
  const mounts = sortMounts([...nodes.values()].filter((node) => node.kind === 'mount'))
  for (let i = 1; i < mounts.length; i += 1) {
    const [previous, current] = [mounts[i - 1], mounts[i]]
    if (previous && current) edges.push([previous.name, current.name])
  }
  return edges
}

/** Mounts in DIB's mount order: by mount point as a plain string, so parents come first. */
export function sortMounts(mounts: readonly MountNode[]): MountNode[] {
  return [...mounts].sort((a, b) =>
    a.mountPoint < b.mountPoint ? -1 : a.mountPoint > b.mountPoint ? 1 : 0,
  )
}

/** Kahn's algorithm taking the lowest config index among ready nodes. */
export function orderNodes(nodes: Nodes): BlockDeviceNode[] {
  const incoming = new Map<string, number>()
  const outgoing = new Map<string, string[]>()
  for (const name of nodes.keys()) {
    incoming.set(name, 0)
    outgoing.set(name, [])
  }
  for (const [from, to] of collectEdges(nodes)) {
    if (!nodes.has(from) || !nodes.has(to)) {
      throw new ConfigError(`Edge not defined: ${from}->${to}`)
    }
    outgoing.get(from)?.push(to)
    incoming.set(to, (incoming.get(to) ?? 0) + 1)
  }
  const ready = [...nodes.values()].filter((node) => incoming.get(node.name) === 0)
  const order: BlockDeviceNode[] = []
  while (ready.length > 0) {
    ready.sort((a, b) => a.index - b.index)
    const node = ready.shift()
    if (!node) break
    order.push(node)
    for (const next of outgoing.get(node.name) ?? []) {
      const left = (incoming.get(next) ?? 0) - 1
      incoming.set(next, left)
      const target = nodes.get(next)
      if (left === 0 && target) ready.push(target)
    }
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((name) => !order.some((node) => node.name === name))
    throw new ConfigError(
      `Cannot order block-device nodes: they depend on each other in a cycle (${stuck.map((name) => `"${name}"`).join(', ')})`,
    )
  }
  return order
}
