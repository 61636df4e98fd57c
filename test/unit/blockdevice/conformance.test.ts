// One test per row of /work/shared/conformance/dib-block-device/README.md.
import { describe, expect, it } from 'vitest'
import {
  flattenConfigTree,
  readConfigEntries,
} from '../../../src/blockdevice/config/config-entries.ts'
import { buildSgdiskArgv, layoutGpt } from '../../../src/blockdevice/layout/gpt-argv.ts'
import { listTablePartitions } from '../../../src/blockdevice/config/plan.ts'
import { ConfigError } from '../../../src/errors.ts'
import { fixtureSource, planFixture } from './fixture-config.ts'

function graphOf(name: string): string[] {
  const entries = flattenConfigTree(readConfigEntries(fixtureSource(name)))
  return entries.map((entry) => JSON.stringify({ [entry.plugin]: sortKeys(entry.config) })).sort()
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, inner]) => [key, sortKeys(inner)]),
    )
  }
  return value
}

describe('tree form flattens to graph form', () => {
  it.each([
    ['simple_graph.yaml', 'simple_graph.yaml'],
    ['simple_tree.yaml', 'simple_graph.yaml'],
    ['deep_tree.yaml', 'deep_graph.yaml'],
    ['multiple_partitions_tree.yaml', 'multiple_partitions_graph.yaml'],
    ['lvm_tree.yaml', 'lvm_graph.yaml'],
  ])('%s equals %s', (tree, graph) => {
    const flattened = graphOf(tree)
    expect(flattened.length).toBeGreaterThan(1)
    expect(flattened).toEqual(graphOf(graph))
  })

  it('really compares something: different trees differ', () => {
    expect(graphOf('deep_tree.yaml')).not.toEqual(graphOf('multiple_partitions_graph.yaml'))
  })
})

describe('configs that must be refused', () => {
  it.each([
    [
      'bad_plugin.yaml',
      /"this_is_not_a_plugin_name" is not a block-device plugin/,
      'bad_plugin.yaml:1:3',
    ],
    [
      'multi_key_node.yaml',
      /must be a map with a single plugin key, found "mkfs", "mount"/,
      'multi_key_node.yaml:1:3',
    ],
    [
      'bad_edge_graph.yaml',
      /Edge not defined: this_is_not_a_node->mkfs_root/,
      'bad_edge_graph.yaml:26:11',
    ],
    [
      'duplicate_name.yaml',
      /Duplicate node name "this_is_a_duplicate"/,
      'duplicate_name.yaml:16:11',
    ],
    [
      'duplicate_fs_labels.yaml',
      /Duplicate filesystem label "duplicate"/,
      'duplicate_fs_labels.yaml:40:12',
    ],
    [
      'too_long_fs_label.yaml',
      /label "this_label_is_too_long_to_work_with_xfs".*xfs labels are at most 12/,
      'too_long_fs_label.yaml:4:12',
    ],
  ])('%s', (file, message, where) => {
    let error: unknown
    try {
      planFixture(file)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(message)
    expect((error as Error).message.slice(0, where.length + 2)).toBe(`${where}: `)
  })
})

describe('order of operations', () => {
  it('deep_graph.yaml gives exactly image0, root, mkfs_root, mount, fstab', () => {
    expect(planFixture('deep_graph.yaml').order.map((node) => node.name)).toEqual([
      'image0',
      'root',
      'mkfs_root',
      'mount_mkfs_root',
      'fstab_mount_mkfs_root',
    ])
  })

  it('multiple_partitions_graph.yaml keeps partition order and puts each before its mkfs', () => {
    const order = planFixture('multiple_partitions_graph.yaml').order.map((node) => node.name)
    const at = (name: string): number => order.indexOf(name)
    expect(at('root')).toBeGreaterThanOrEqual(0)
    expect(at('root')).toBeLessThan(at('var'))
    expect(at('var')).toBeLessThan(at('var_log'))
    expect(at('root')).toBeLessThan(at('mkfs_root'))
    expect(at('var')).toBeLessThan(at('mkfs_var'))
    expect(at('var_log')).toBeLessThan(at('mkfs_var_log'))
  })
})

describe('GPT', () => {
  it('gpt_efi.yaml on 1 GiB gives ESP 8M EF00, BSP 8M EF02 and "Root Part" 1006M 8300', () => {
    const plan = planFixture('gpt_efi.yaml')
    const [table] = plan.tables
    if (!table) throw new Error('no partition table')
    const partitions = layoutGpt(listTablePartitions(plan, table), 1024 ** 3)
    const argv = buildSgdiskArgv({ device: '/dev/loop9', partitions })
    expect(argv).toEqual([
      'sgdisk',
      '/dev/loop9',
      '-n',
      '1:0:+8M',
      '-t',
      '1:EF00',
      '-c',
      '1:ESP',
      '-n',
      '2:0:+8M',
      '-t',
      '2:EF02',
      '-c',
      '2:BSP',
      '-n',
      '3:0:+1006M',
      '-t',
      '3:8300',
      '-c',
      '3:Root Part',
    ])
  })
})

describe('LVM', () => {
  const files = [
    'lvm_graph.yaml',
    'lvm_tree.yaml',
    'lvm_tree_multiple_partitions.yaml',
    'lvm_tree_multiple_pv.yaml',
    'lvm_tree_multiple_pv_vg.yaml',
    'lvm_tree_partition_ordering.yaml',
    'lvm_tree_spanned_vg.yaml',
    'lvm_tree_thin_provision.yaml',
  ]

  it.each(files)(
    '%s orders PVs after partitions, VGs after PVs, LVs after VGs and pools',
    (file) => {
      const plan = planFixture(file)
      const at = new Map(plan.order.map((node, index) => [node.name, index]))
      const before = (a: string, b: string): void => {
        expect(at.get(a), `${a} before ${b}`).toBeLessThan(at.get(b) ?? -1)
      }
      let checked = 0
      for (const node of plan.nodes) {
        if (node.kind === 'pv') before(node.base, node.name)
        if (node.kind === 'vg') for (const pv of node.pvs) before(pv, node.name)
        if (node.kind === 'lv') before(node.base, node.name)
        if (node.kind === 'lv' && node.thinPool) before(node.thinPool, node.name)
        if (node.kind === 'mkfs') before(node.base, node.name)
        checked += 1
      }
      expect(checked).toBe(plan.nodes.length)
      expect(plan.nodes.some((node) => node.kind === 'lv')).toBe(true)
    },
  )
})
