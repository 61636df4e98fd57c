// The SBOMs of a real Debian system, this host's own dpkg database and copyright files (hundreds
// of packages, licences in every shape Debian writes them): SPDX 2.3 passes the checker written
// from the specification, CycloneDX 1.6 the schema its library ships, and both list every
// installed package. And a tree whose doc directories link in a chain, as binutils' do.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import CDX from '@cyclonedx/cyclonedx-library'
import { beforeAll, describe, expect, it } from 'vitest'
import { readImageInventory, type ImageInventory } from '../../src/inventory/read-inventory.ts'
import { renderCycloneDx } from '../../src/sbom/cyclonedx.ts'
import type { SbomInput } from '../../src/sbom/sbom-input.ts'
import { renderSpdx } from '../../src/sbom/spdx.ts'
import { spdxProblems } from '../helpers/spdx-2.3.ts'

let inventory: ImageInventory
let input: SbomInput
const installed = (): string[] =>
  execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev} ${binary:Package}\\n'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l.startsWith('ii '))
    .map((l) => l.slice(4).split(':')[0] ?? '')
    .sort()

beforeAll(async () => {
  inventory = await readImageInventory('/')
  input = {
    imageName: 'host',
    packages: inventory.packages,
    distro: inventory.distro,
    created: new Date(1_700_000_000_000),
    toolVersion: '0.0.0',
  }
})

describe("the host's packages as SBOMs", () => {
  it('SPDX 2.3 is valid and lists every installed package', () => {
    const text = renderSpdx(input)
    expect(spdxProblems(text)).toEqual([])
    const doc = JSON.parse(text) as { packages: { name: string }[] }
    expect(
      doc.packages
        .slice(1)
        .map((p) => p.name)
        .sort(),
    ).toEqual(installed())
  })

  it('CycloneDX 1.6 is valid and lists every installed package', async () => {
    const text = renderCycloneDx(input)
    expect(
      await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(text),
    ).toBeNull()
    expect(
      (JSON.parse(text) as { components: { name: string }[] }).components.map((c) => c.name).sort(),
    ).toEqual(installed())
  })
})

describe('doc directories that link to a sibling', () => {
  it('are followed along a chain to the copyright file, never out of usr/share/doc', async () => {
    const root = mkdtempSync(join(tmpdir(), 'iw-doclinks-'))
    try {
      const doc = join(root, 'usr/share/doc')
      mkdirSync(join(doc, 'binutils-common'), { recursive: true })
      mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true })
      writeFileSync(
        join(doc, 'binutils-common/copyright'),
        'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n',
      )
      symlinkSync('binutils-common', join(doc, 'libbinutils'))
      symlinkSync('libbinutils', join(doc, 'libctf0'))
      symlinkSync('../../../etc', join(doc, 'escape'))
      const status = ['libctf0', 'libbinutils', 'escape']
        .map(
          (name) =>
            `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\n`,
        )
        .join('\n')
      writeFileSync(join(root, 'var/lib/dpkg/status'), status)
      const { packages } = await readImageInventory(root)
      expect(Object.fromEntries(packages.map((p) => [p.name, p.license]))).toEqual({
        libctf0: 'GPL-3.0-or-later',
        libbinutils: 'GPL-3.0-or-later',
        escape: undefined,
      })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
