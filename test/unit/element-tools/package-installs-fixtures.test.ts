// Data-driven squash cases: each directory of test/fixtures/package-installs holds element trees
// and a case.yaml with runs (environment → expected per-phase lists, DIB JSON, or error).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { locateElements } from '../../../src/element-tools/element-dirs.ts'
import { planPackageInstalls } from '../../../src/element-tools/package-installs/plan.ts'
import { STANDARD_PHASES } from '../../../src/element-tools/package-installs/params.ts'

const FIXTURES = join(import.meta.dirname, '../../fixtures/package-installs')

interface PhaseLists {
  install?: string[]
  uninstall?: string[]
}

interface Run {
  name: string
  elements?: string[]
  env: Record<string, string>
  expected?: Record<string, PhaseLists>
  json?: unknown
  error?: string[]
}

interface Case {
  elements?: string[]
  path?: string[]
  runs: Run[]
}

const cases = readdirSync(FIXTURES).sort()

async function plan(caseDir: string, spec: Case, run: Run) {
  const names = run.elements ?? spec.elements ?? []
  const searchPath = (spec.path ?? ['elements']).map((dir) => join(caseDir, dir))
  const locations = locateElements({ names, searchPath, resolved: new Map() })
  return planPackageInstalls(locations, run.env)
}

it('finds the fixture cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(10)
})

for (const name of cases) {
  const caseDir = join(FIXTURES, name)
  const spec = parse(readFileSync(join(caseDir, 'case.yaml'), 'utf8')) as Case
  describe(`package-installs fixture ${name}`, () => {
    for (const run of spec.runs) {
      it(run.name, async () => {
        if (run.error !== undefined) {
          const failure = await plan(caseDir, spec, run).then(
            () => undefined,
            (error: unknown) => error,
          )
          expect(failure).toBeInstanceOf(Error)
          for (const part of run.error) expect((failure as Error).message).toContain(part)
          return
        }
        const { result } = await plan(caseDir, spec, run)
        const phases = new Set<string>([...STANDARD_PHASES, ...Object.keys(run.expected ?? {})])
        for (const phase of phases) {
          const expected = run.expected?.[phase] ?? {}
          expect(result.phases.get(phase), `${phase}`).toEqual({
            install: expected.install ?? [],
            uninstall: expected.uninstall ?? [],
          })
        }
        if (run.json !== undefined) expect(result.json).toEqual(run.json)
      })
    }
  })
}
