import { describe, expect, it } from 'vitest'
import { missReason } from '../../../src/cache/step-miss.ts'
import { keyOf, type InputPart, type StepInputs } from '../../../src/cache/step-keys.ts'

const part = (name: string, digest: string): InputPart => ({ name, digest })
const step = (parts: InputPart[]): StepInputs => ({ step: 'install', parts, key: keyOf(parts) })

describe('missReason', () => {
  it('says a step was never stored', () => {
    expect(missReason(undefined, step([part('env A', '1')]))).toBe('not stored yet')
  })

  it('names the inputs that changed, came and went, five at most', () => {
    const before = [part('env A', '1'), part('env B', '2'), part('env C', '3')]
    const now = [part('env A', '9'), part('env B', '2'), part('env D', '4')]
    expect(missReason(before, step(now))).toBe('changed: env A, env D (new), env C (gone)')
    const many = Array.from({ length: 7 }, (_, i) => part(`env V${i}`, 'x'))
    expect(missReason([], step(many))).toBe(
      'changed: env V0 (new), env V1 (new), env V2 (new), env V3 (new), env V4 (new) and 2 more',
    )
  })

  it('blames an earlier step when only the step parts differ, and pruning when nothing does', () => {
    const own = [part('env A', '1')]
    expect(
      missReason([...own, part('step root', 'old')], step([...own, part('step root', 'new')])),
    ).toBe('an earlier step changed')
    expect(missReason(own, step(own))).toBe(
      'not stored (pruned, or its phases were too quick to be worth storing)',
    )
  })
})
