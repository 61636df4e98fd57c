import { describe, expect, it } from 'vitest'
import { renderPlannedCache, runsPostInstall } from '../../../src/cache/plan-cache.ts'
import type { StepStatus } from '../../../src/cache/step-cache.ts'
import type { StepName } from '../../../src/cache/step-keys.ts'

const miss = (step: StepName): StepStatus => ({ step, key: 'f'.repeat(64), hit: false })
const hit = (step: StepName): StepStatus => ({ step, key: 'a'.repeat(64), hit: true })
const cold = (['root', 'install', 'post-install', 'tree', 'image'] as const).map(miss)

describe('runsPostInstall', () => {
  it('runs post-install.d when no step from it on is stored', () => {
    expect(runsPostInstall(cold)).toBe(true)
    expect(runsPostInstall([hit('root'), hit('install'), ...cold.slice(2)])).toBe(true)
  })

  it('skips it when post-install, the tree or the image is reused', () => {
    for (const step of ['post-install', 'tree', 'image'] as const)
      expect(runsPostInstall(cold.map((s) => (s.step === step ? hit(step) : s)))).toBe(false)
  })
})

describe('renderPlannedCache', () => {
  it('puts the initramfs offer under post-install, counting the stored images', () => {
    const lines = renderPlannedCache({ steps: cold, initramfs: { stored: 2 } })
    const at = lines.findIndex((l) => l.trimStart().startsWith('post-install'))
    expect(lines[at + 1]).toMatch(/^ {4}initramfs +2 stored: post-install.d reuses one whose/)
    expect(lines).toHaveLength(cold.length + 2)
  })

  it('says none is stored yet, and leaves the line out when none is offered', () => {
    expect(renderPlannedCache({ steps: cold, initramfs: { stored: 0 } })).toContainEqual(
      expect.stringMatching(/initramfs +none stored/),
    )
    expect(renderPlannedCache({ steps: cold }).join('\n')).not.toContain('initramfs')
  })

  it('says why the cache is off', () => {
    expect(renderPlannedCache({ off: '--no-cache' })).toEqual(['Cache: not used (--no-cache)'])
  })
})
