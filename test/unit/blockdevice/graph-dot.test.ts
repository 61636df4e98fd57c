import { describe, expect, it } from 'vitest'
import { graphDot } from '../../../src/blockdevice/config/graph-dot.ts'
import { planShippedLayout } from './fixture-config.ts'

describe('graphDot() (DUMP_CONFIG_GRAPH)', () => {
  it('lists every node of the mbr layout and the edges that order them', () => {
    const plan = planShippedLayout('block-device-mbr')
    const dot = graphDot(plan)
    expect(dot.startsWith('digraph G {\n')).toBe(true)
    expect(dot.endsWith('}\n')).toBe(true)
    for (const name of plan.byName.keys()) expect(dot).toContain(`"${name}" [label=`)
    expect(dot).toContain('"image0" -> "root";')
    // Each node comes after the nodes it needs, so every edge points forward in creation order.
    const order = plan.order.map((node) => node.name)
    for (const [, from, to] of dot.matchAll(/"([^"]+)" -> "([^"]+)";/g)) {
      expect(order.indexOf(from ?? '')).toBeLessThan(order.indexOf(to ?? ''))
    }
  })
})
