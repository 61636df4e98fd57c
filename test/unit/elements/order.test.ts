import { describe, expect, it } from 'vitest'
import { orderElements } from '../../../src/elements/order.ts'

type Graph = Readonly<Record<string, readonly string[]>>

function order(names: readonly string[], graph: Graph): string[] {
  return orderElements(names, (name) => graph[name] ?? [])
}

describe('orderElements()', () => {
  it.each<[string, string[], Graph, string[]]>([
    ['keeps independent elements in the given order', ['c', 'a', 'b'], {}, ['c', 'a', 'b']],
    ['puts a chain dependency-first', ['a', 'b', 'c'], { a: ['b'], b: ['c'] }, ['c', 'b', 'a']],
    [
      'emits a shared dependency once, before its first dependent',
      ['top', 'left', 'right', 'base'],
      { top: ['left', 'right'], left: ['base'], right: ['base'] },
      ['base', 'left', 'right', 'top'],
    ],
    ['follows deps in element-deps order', ['a', 'y', 'x'], { a: ['x', 'y'] }, ['x', 'y', 'a']],
    ['ignores deps outside the list', ['a'], { a: ['gone', 'a'] }, ['a']],
    ['cuts a two-element cycle', ['c1', 'c2'], { c1: ['c2'], c2: ['c1'] }, ['c2', 'c1']],
    [
      'puts what a cycle needs before the cycle',
      ['app', 'x', 'y', 'util'],
      { app: ['x'], x: ['y'], y: ['x', 'util'] },
      ['util', 'y', 'x', 'app'],
    ],
  ])('%s', (_, names, graph, expected) => {
    expect(order(names, graph)).toEqual(expected)
  })

  it('returns every element exactly once, dependencies first, for a larger acyclic graph', () => {
    const names = Array.from({ length: 40 }, (_, i) => `e${i}`)
    const graph: Record<string, string[]> = {}
    for (const [i, name] of names.entries()) {
      graph[name] = names.filter((_, j) => j > i && (i * 7 + j * 3) % 5 === 0)
    }
    const result = order(names, graph)
    expect([...result].sort()).toEqual([...names].sort())
    for (const [name, deps] of Object.entries(graph)) {
      for (const dep of deps) expect(result.indexOf(dep)).toBeLessThan(result.indexOf(name))
    }
  })
})
