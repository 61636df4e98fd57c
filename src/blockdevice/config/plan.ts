// The block-device config pipeline: read → flatten → parse → settle root params → graph rules →
// order. The result is everything the runtime and the getvals need, with no host access.
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../../errors.ts'
import { flattenConfigTree, readConfigEntries } from './config-entries.ts'
import { ConfigSource } from './config-source.ts'
import type { BlockDeviceNode, PartitionNode, PartitionTable } from './node-types.ts'
import { orderNodes } from './order-nodes.ts'
import { parseNodes } from './parse-nodes.ts'
import { settleFilesystem, type RootFsParams } from './root-params.ts'
import { indexNodes, validateGraph } from './validate-graph.ts'

export interface BlockDevicePlan {
  /** The config's file name (or a label such as "DIB_BLOCK_DEVICE_CONFIG"). */
  readonly file: string
  /** Nodes in config order. */
  readonly nodes: readonly BlockDeviceNode[]
  readonly byName: ReadonlyMap<string, BlockDeviceNode>
  /** Nodes in the order they are created; released in reverse. */
  readonly order: readonly BlockDeviceNode[]
  readonly tables: readonly PartitionTable[]
  /** Non-fatal findings (unknown keys, ignored settings), each starting with file:line:col. */
  readonly warnings: readonly string[]
}

/** A plan from an already parsed config source. Throws ConfigError naming file:line:col. */
export function planBlockDevice(source: ConfigSource, root: RootFsParams): BlockDevicePlan {
  const entries = flattenConfigTree(readConfigEntries(source))
  const parsed = parseNodes(entries)
  const nodes = parsed.nodes.map((node) =>
    node.kind === 'mkfs' ? settleFilesystem(node, root) : node,
  )
  const byName = indexNodes(nodes)
  validateGraph(byName, parsed.tables)
  return {
    file: source.file,
    nodes,
    byName,
    order: orderNodes(byName),
    tables: parsed.tables,
    warnings: parsed.warnings,
  }
}

/** A plan from YAML text; `file` is only used in messages. */
export function planBlockDeviceFromText(
  text: string,
  file: string,
  root: RootFsParams,
): BlockDevicePlan {
  return planBlockDevice(new ConfigSource(file, text), root)
}

/** A plan from a YAML file on disk. */
export async function loadBlockDevicePlan(
  path: string,
  root: RootFsParams,
): Promise<BlockDevicePlan> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `Cannot read block-device config "${path}": ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  return planBlockDeviceFromText(text, path, root)
}

/** The partition nodes of one table, in table order. */
export function listTablePartitions(plan: BlockDevicePlan, table: PartitionTable): PartitionNode[] {
  return table.partitions.flatMap((name) => {
    const node = plan.byName.get(name)
    return node?.kind === 'partition' ? [node] : []
  })
}
