import CDX from '@cyclonedx/cyclonedx-library'
import { describe, expect, it } from 'vitest'
import type { PackageInfo } from '../../../src/report/events.ts'
import { renderCycloneDx } from '../../../src/sbom/cyclonedx.ts'
import {
  packageUrl,
  sbomTime,
  uuidFromDigest,
  type SbomInput,
} from '../../../src/sbom/sbom-input.ts'
import { renderSpdx } from '../../../src/sbom/spdx.ts'
import { spdxProblems } from '../../helpers/spdx-2.3.ts'

/** The SPDX licence list, as the CycloneDX library ships it (its spdx.SNAPSHOT.schema.json). */
const isSpdxId = (id: string): boolean => CDX.SPDX.isSupportedSpdxId(id)

const bash: PackageInfo = {
  name: 'bash',
  version: '5.2.37-2+b5',
  arch: 'amd64',
  source: 'bash',
  sourceVersion: '5.2.37-2',
  license: 'GPL-3.0-or-later',
  installedBytes: 7_000_000,
}
const libc: PackageInfo = {
  name: 'libc6',
  version: '2.41-12',
  arch: 'amd64',
  source: 'glibc',
  sourceVersion: '2.41-12',
  license: 'LGPL-2.1-or-later AND LicenseRef-public-domain',
  installedBytes: 12_000_000,
}
const tzdata: PackageInfo = {
  name: 'tzdata',
  version: '1:2025b-4',
  arch: 'all',
  source: 'tzdata',
  sourceVersion: '1:2025b-4',
  installedBytes: 1000,
}

const input: SbomInput = {
  imageName: 'debian',
  packages: [bash, libc, tzdata],
  distro: 'debian-13',
  created: new Date(1_700_000_000_000),
  toolVersion: '0.1.0',
}

describe('package URLs', () => {
  it('name the distro, version and architecture, canonicalised by packageurl-js', () => {
    expect(packageUrl(bash, 'debian-13')).toBe(
      'pkg:deb/debian/bash@5.2.37-2+b5?arch=amd64&distro=debian-13',
    )
    expect(packageUrl(tzdata, 'debian-13')).toBe(
      'pkg:deb/debian/tzdata@1:2025b-4?arch=all&distro=debian-13',
    )
  })
})

describe('CycloneDX 1.6', () => {
  it('is valid against the CycloneDX 1.6 JSON schema the library ships', async () => {
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6)
    expect(await validator.validate(renderCycloneDx(input))).toBeNull()
  })

  it('fails that schema when a required field is dropped or misspelt', async () => {
    const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6)
    const edits: ((bom: {
      bomFormat?: string
      specVersion?: string
      components: Record<string, unknown>[]
    }) => void)[] = [
      (bom) => {
        delete bom.bomFormat
      },
      (bom) => {
        delete bom.specVersion
      },
      (bom) => {
        delete bom.components[0]?.['name']
      },
      (bom) => {
        delete bom.components[0]?.['type']
      },
      (bom) => {
        if (bom.components[0]) bom.components[0]['licences'] = []
      },
    ]
    for (const edit of edits) {
      const bom = JSON.parse(renderCycloneDx(input)) as Parameters<typeof edit>[0]
      edit(bom)
      expect(await validator.validate(JSON.stringify(bom)), edit.toString()).not.toBeNull()
    }
  })

  it('lists every package with version, architecture, source, licence and purl', () => {
    const bom = JSON.parse(renderCycloneDx(input)) as {
      specVersion: string
      components: {
        name: string
        version: string
        purl: string
        licenses?: { expression: string }[]
        properties: { name: string; value: string }[]
      }[]
    }
    expect(bom.specVersion).toBe('1.6')
    const glibc = bom.components.find((c) => c.name === 'libc6')
    expect(glibc?.version).toBe('2.41-12')
    expect(glibc?.purl).toBe('pkg:deb/debian/libc6@2.41-12?arch=amd64&distro=debian-13')
    expect(glibc?.licenses).toEqual([
      { expression: 'LGPL-2.1-or-later AND LicenseRef-public-domain' },
    ])
    expect(glibc?.properties).toContainEqual({ name: 'imagewright:deb:source', value: 'glibc' })
    expect(glibc?.properties).toContainEqual({
      name: 'imagewright:deb:architecture',
      value: 'amd64',
    })
    expect(bom.components.find((c) => c.name === 'tzdata')?.licenses ?? []).toEqual([])
  })

  it('gives the same bytes for the same inputs, and a different serial for different ones', () => {
    const again = renderCycloneDx({ ...input, packages: [tzdata, libc, bash] })
    expect(again).toBe(renderCycloneDx(input))
    expect(again).toContain('"timestamp": "2023-11-14T22:13:20.000Z"')
    const other = JSON.parse(renderCycloneDx({ ...input, packages: [bash] })) as {
      serialNumber: string
    }
    expect(other.serialNumber).not.toBe(
      (JSON.parse(again) as { serialNumber: string }).serialNumber,
    )
    expect(other.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  })
})

interface SpdxDoc {
  spdxVersion: string
  dataLicense: string
  documentNamespace: string
  creationInfo: { created: string; creators: string[] }
  packages: {
    SPDXID: string
    name: string
    versionInfo?: string
    licenseDeclared: string
    sourceInfo?: string
    externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[]
  }[]
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[]
  hasExtractedLicensingInfos?: { licenseId: string }[]
}

describe('SPDX 2.3', () => {
  const doc = JSON.parse(renderSpdx(input)) as SpdxDoc

  it('describes the image, which contains every package', () => {
    expect(doc.spdxVersion).toBe('SPDX-2.3')
    expect(doc.dataLicense).toBe('CC0-1.0')
    expect(doc.creationInfo).toEqual({
      created: '2023-11-14T22:13:20Z',
      creators: ['Tool: imagewright-0.1.0'],
    })
    const ids = new Set(doc.packages.map((p) => p.SPDXID))
    expect(ids.size).toBe(4)
    for (const id of ids) expect(id).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/)
    expect(
      doc.relationships
        .filter((r) => r.relationshipType === 'CONTAINS')
        .map((r) => r.relatedSpdxElement)
        .sort(),
    ).toEqual([
      'SPDXRef-Package-deb-bash-amd64',
      'SPDXRef-Package-deb-libc6-amd64',
      'SPDXRef-Package-deb-tzdata-all',
    ])
    const libc6 = doc.packages.find((p) => p.name === 'libc6')
    expect(libc6?.sourceInfo).toBe('built from source package glibc 2.41-12; architecture amd64')
    expect(libc6?.externalRefs).toEqual([
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: 'pkg:deb/debian/libc6@2.41-12?arch=amd64&distro=debian-13',
      },
    ])
    expect(doc.packages.find((p) => p.name === 'tzdata')?.licenseDeclared).toBe('NOASSERTION')
  })

  it('gives packages whose names meet in an SPDX id distinct ids', () => {
    const plus = { ...bash, name: 'g++' }
    const text = renderSpdx({ ...input, packages: [plus, { ...bash, name: 'g--' }] })
    expect(spdxProblems(text)).toEqual([])
    expect((JSON.parse(text) as SpdxDoc).packages.map((p) => p.SPDXID)).toEqual([
      'SPDXRef-Image-debian',
      'SPDXRef-Package-deb-g---amd64',
      'SPDXRef-Package-deb-g---amd64-2',
    ])
  })

  it('uses SPDX licence list identifiers, and declares every LicenseRef it uses', () => {
    const declared = new Set(doc.hasExtractedLicensingInfos?.map((l) => l.licenseId))
    expect(declared).toEqual(new Set(['LicenseRef-public-domain']))
    for (const p of doc.packages) {
      for (const id of p.licenseDeclared.split(/ (?:AND|OR) /)) {
        if (id === 'NOASSERTION') continue
        expect(id.startsWith('LicenseRef-') ? declared.has(id) : isSpdxId(id), id).toBe(true)
      }
    }
  })

  it('passes the SPDX 2.3 checker, which fails it when a mandatory field is dropped', () => {
    expect(spdxProblems(renderSpdx(input))).toEqual([])
    const mandatory = [
      'spdxVersion',
      'dataLicense',
      'SPDXID',
      'name',
      'documentNamespace',
      'creationInfo',
      'creationInfo.created',
      'creationInfo.creators',
      'packages.1.name',
      'packages.1.SPDXID',
      'packages.1.downloadLocation',
      'packages.0.SPDXID',
      'relationships.0.relationshipType',
      'relationships.1.relatedSpdxElement',
      'relationships.1.spdxElementId',
      'hasExtractedLicensingInfos.0.licenseId',
      'hasExtractedLicensingInfos.0.extractedText',
      'packages.1.externalRefs.0.referenceLocator',
    ]
    for (const path of mandatory) {
      const broken = JSON.parse(renderSpdx(input)) as Record<string, unknown>
      const keys = path.split('.')
      const parent = keys
        .slice(0, -1)
        .reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, broken)
      expect(parent, path).toHaveProperty(keys.at(-1) ?? '')
      delete parent[keys.at(-1) ?? '']
      expect(spdxProblems(JSON.stringify(broken)), path).not.toEqual([])
    }
  })

  it('is checked past the schema: identifiers, relationships, licence expressions, purls', () => {
    const broken = (edit: (d: SpdxDoc) => void): string[] => {
      const d = JSON.parse(renderSpdx(input)) as SpdxDoc
      edit(d)
      return spdxProblems(JSON.stringify(d))
    }
    const bashAt = doc.packages.findIndex((p) => p.name === 'bash')
    expect(
      broken((d) => {
        ;(d as unknown as Record<string, unknown>)['pakages'] = []
      }),
    ).not.toEqual([])
    expect(
      broken((d) => {
        d.packages[bashAt]!.SPDXID = d.packages[bashAt + 1]!.SPDXID
      }),
    ).toContainEqual(expect.stringMatching(/identifiers repeat/))
    expect(
      broken((d) => {
        d.relationships[1]!.relatedSpdxElement = 'SPDXRef-elsewhere'
      }),
    ).toContainEqual(expect.stringMatching(/not an element/))
    expect(
      broken((d) => {
        d.relationships = d.relationships.filter((r) => r.relationshipType !== 'DESCRIBES')
      }),
    ).toContainEqual(expect.stringMatching(/describes nothing/))
    expect(
      broken((d) => {
        d.packages[bashAt]!.licenseDeclared = 'GPL-3+'
      }),
    ).toContainEqual(expect.stringMatching(/not an SPDX licence expression/))
    expect(
      broken((d) => {
        d.packages[bashAt]!.licenseDeclared = 'MIT AND LicenseRef-nowhere'
      }),
    ).toContainEqual(expect.stringMatching(/LicenseRef-nowhere is not declared/))
    expect(
      broken((d) => {
        d.packages[bashAt]!.externalRefs![0]!.referenceLocator = 'deb/debian/bash'
      }),
    ).toContainEqual(expect.stringMatching(/does not parse/))
    expect(
      broken((d) => {
        d.creationInfo.created = '2023-11-14T22:13:20.000Z'
      }),
    ).not.toEqual([])
  })

  it('gives the same bytes for the same inputs; the namespace follows the content', () => {
    expect(renderSpdx({ ...input })).toBe(renderSpdx(input))
    expect(JSON.parse(renderSpdx({ ...input, packages: [bash] })).documentNamespace).not.toBe(
      doc.documentNamespace,
    )
  })
})

describe('SBOM time', () => {
  it('is SOURCE_DATE_EPOCH when set, else now in whole seconds', () => {
    expect(sbomTime({ SOURCE_DATE_EPOCH: '1700000000' }).toISOString()).toBe(
      '2023-11-14T22:13:20.000Z',
    )
    expect(sbomTime({}, new Date(1_700_000_000_123)).toISOString()).toBe('2023-11-14T22:13:20.000Z')
  })

  it('derives version-5-shaped UUIDs', () => {
    expect(uuidFromDigest('f'.repeat(64))).toBe('ffffffff-ffff-5fff-bfff-ffffffffffff')
  })
})
