// DUMP_CONFIG_GRAPH: the block-device graph in Graphviz dot form, as DIB writes it for
// debugging a layout (one edge per "create before" relation, every node listed).
import { collectEdges } from './order-nodes.ts'
import type { BlockDevicePlan } from './plan.ts'

/** Where DIB writes the graph. */
export const GRAPH_DUMP_PATH = '/tmp/graph_dump.dot'

export function graphDot(plan: Pick<BlockDevicePlan, 'byName'>): string {
  const quote = (name: string): string => `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`
  const lines = ['digraph G {']
  for (const node of plan.byName.values())
    lines.push(`  ${quote(node.name)} [label=${quote(`${node.name} (${node.kind})`)}];`)
  for (const [from, to] of collectEdges(plan.byName))
    lines.push(`  ${quote(from)} -> ${quote(to)};`)
  lines.push('}', '')
  return lines.join('\n')
}
