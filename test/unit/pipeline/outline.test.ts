// `plan`'s outline and the build run one phase list: the outline is made from the phase table,
// the cache's steps cover that table in order, and the pipeline runs each step's phases.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUILD_OUTLINE } from '../../../src/pipeline/outline.ts'
import { PHASE_NAMES } from '../../../src/phases/phase-table.ts'
import { STEP_NAMES, STEP_PHASES } from '../../../src/cache/step-keys.ts'

const PIPELINE = join(import.meta.dirname, '..', '..', '..', 'src', 'pipeline')
const source = (file: string): string => readFileSync(join(PIPELINE, file), 'utf8')
const phaseCalls = (text: string): string[] =>
  [...text.matchAll(/\bphase\('([a-z-]+)'/g)].map((match) => match[1] as string)

describe('the build outline', () => {
  it("lists every phase once, in the phase table's order", () => {
    const phases = BUILD_OUTLINE.flatMap((step) => ('phase' in step ? [step.phase] : []))
    expect(phases).toEqual([...PHASE_NAMES])
  })

  it('is covered by the build steps, each phase once and in order', () => {
    expect(STEP_NAMES.flatMap((step) => STEP_PHASES[step])).toEqual([...PHASE_NAMES])
  })

  it('matches the phases the pipeline calls by name: root in the tree steps, the image step in build-image.ts', () => {
    expect(phaseCalls(source('tree-steps.ts'))).toEqual([...STEP_PHASES.root])
    expect(source('tree-steps.ts')).toMatch(
      /for \(const name of STEP_PHASES\[step\]\) await phase\(name/,
    )
    expect(phaseCalls(source('build-image.ts'))).toEqual([...STEP_PHASES.image])
  })

  it('puts the -p packages right after install.d, as the build does', () => {
    expect(STEP_PHASES.install.at(-1)).toBe('install')
    expect(source('tree-steps.ts')).toMatch(
      /if \(step === 'install'\) await installExtraPackages\(/,
    )
    const at = BUILD_OUTLINE.findIndex((step) => 'phase' in step && step.phase === 'install')
    expect(BUILD_OUTLINE[at + 1]).toEqual({ core: 'install the -p packages with install-packages' })
  })
})
