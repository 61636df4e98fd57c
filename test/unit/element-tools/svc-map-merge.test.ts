import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { locateElements } from '../../../src/element-tools/element-dirs.ts'
import { formatServices, mergeServiceMaps } from '../../../src/element-tools/svc-map/merge.ts'
import { readServiceMaps } from '../../../src/element-tools/svc-map/install-services.ts'

const FIXTURES = join(import.meta.dirname, '../../fixtures/svc-map')

interface Case {
  elements: string[]
  runs: { distro: string; expected?: string; error?: string[] }[]
}

for (const name of readdirSync(FIXTURES).sort()) {
  const caseDir = join(FIXTURES, name)
  const spec = parse(readFileSync(join(caseDir, 'case.yaml'), 'utf8')) as Case
  describe(`svc-map fixture ${name}`, () => {
    for (const run of spec.runs) {
      it(`distro ${run.distro}`, async () => {
        const query = {
          names: spec.elements,
          searchPath: [join(caseDir, 'elements')],
          resolved: new Map(),
        }
        const sources = await readServiceMaps(locateElements(query))
        const merge = () => formatServices(mergeServiceMaps(sources, run.distro), run.distro)
        if (run.error !== undefined) {
          for (const part of run.error) expect(merge).toThrow(part)
          return
        }
        expect(merge()).toBe(run.expected)
      })
    }
  })
}

describe('mergeServiceMaps()', () => {
  const source = (data: unknown) => [{ element: 'e', file: 'e/svc-map', data }]

  it('keeps the name when nothing matches and no distro is known', () => {
    expect(mergeServiceMaps(source({ sshd: { debian: 'ssh' } }), undefined)).toEqual([
      { name: 'sshd', mapped: 'sshd', element: 'e' },
    ])
  })

  it('rejects shapes bash cannot read back', () => {
    expect(() => mergeServiceMaps(source({ sshd: 'ssh' }), 'debian')).toThrow('found a string')
    expect(() => mergeServiceMaps(source({ sshd: { debian: 'two words' } }), 'debian')).toThrow(
      '"two words" is not a usable service name',
    )
    expect(() => mergeServiceMaps(source(['sshd']), 'debian')).toThrow(
      'expected a map of service names',
    )
  })
})
