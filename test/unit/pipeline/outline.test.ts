// `plan`'s outline and the build run one phase list: the outline is made from the phase table,
// and build-image.ts must call the phases in that table's order.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUILD_OUTLINE } from '../../../src/pipeline/outline.ts'
import { PHASE_NAMES } from '../../../src/phases/phase-table.ts'

const BUILD_IMAGE = join(import.meta.dirname, '..', '..', '..', 'src', 'pipeline', 'build-image.ts')

describe('the build outline', () => {
  it('lists every phase once, in the phase table\'s order', () => {
    const phases = BUILD_OUTLINE.flatMap((step) => ('phase' in step ? [step.phase] : []))
    expect(phases).toEqual([...PHASE_NAMES])
  })

  it('matches the order in which build-image.ts runs the phases', () => {
    const source = readFileSync(BUILD_IMAGE, 'utf8')
    const called = [...source.matchAll(/\bphase\('([a-z-]+)'/g)].map((match) => match[1])
    expect(called).toEqual([...PHASE_NAMES])
  })

  it('puts the -p packages right after install.d, as the build does', () => {
    const source = readFileSync(BUILD_IMAGE, 'utf8')
    expect(source.indexOf("phase('install'")).toBeLessThan(source.indexOf('installExtraPackages('))
    expect(source.indexOf('installExtraPackages(')).toBeLessThan(source.indexOf("phase('post-install'"))
    const at = BUILD_OUTLINE.findIndex((step) => 'phase' in step && step.phase === 'install')
    expect(BUILD_OUTLINE[at + 1]).toEqual({ core: 'install the -p packages with install-packages' })
  })
})
