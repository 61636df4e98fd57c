// SPDX 2.3 JSON for an image: the image as the described package, CONTAINS each installed
// package with its version, source package, declared licence and package URL (which carries
// the architecture). Licence references that are not SPDX identifiers are declared in
// hasExtractedLicensingInfos, as the spec requires.
import { contentDigest, iso, packageUrl, type SbomInput } from './sbom-input.ts'

const NOASSERTION = 'NOASSERTION'

export function spdxId(kind: string, ...parts: readonly string[]): string {
  return `SPDXRef-${kind}-${parts.map((p) => p.replace(/[^A-Za-z0-9.-]/g, '-')).join('-')}`
}

function licenseRefs(expression: string | undefined): string[] {
  return expression?.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []
}

const byKey = (p: { readonly name: string; readonly arch: string }): string =>
  `${p.name}\u0000${p.arch}`

export function renderSpdx(input: SbomInput): string {
  const imageId = spdxId('Image', input.imageName)
  const sorted = [...input.packages].sort((a, b) =>
    byKey(a) < byKey(b) ? -1 : byKey(a) > byKey(b) ? 1 : 0,
  )
  // Characters an SPDX id cannot hold become "-": "g++" and "g--" would meet, so a repeat gets a number.
  const taken = new Set<string>()
  const uniqueId = (id: string): string => {
    let unique = id
    for (let n = 2; taken.has(unique); n++) unique = `${id}-${n}`
    taken.add(unique)
    return unique
  }
  const packages = sorted.map((pkg) => ({
    SPDXID: uniqueId(spdxId('Package-deb', pkg.name, pkg.arch)),
    name: pkg.name,
    versionInfo: pkg.version,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: pkg.license ?? NOASSERTION,
    copyrightText: NOASSERTION,
    sourceInfo: `built from source package ${pkg.source} ${pkg.sourceVersion}; architecture ${pkg.arch}`,
    externalRefs: [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: packageUrl(pkg, input.distro),
      },
    ],
  }))
  const refs = [...new Set(input.packages.flatMap((p) => licenseRefs(p.license)))].sort()
  const document = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `${input.imageName} image`,
    documentNamespace: `https://imagewright.invalid/spdx/${encodeURIComponent(input.imageName)}-${contentDigest(input)}`,
    creationInfo: {
      created: iso(input.created),
      creators: [`Tool: imagewright-${input.toolVersion}`],
    },
    ...(refs.length === 0
      ? {}
      : {
          hasExtractedLicensingInfos: refs.map((licenseId) => ({
            licenseId,
            name: licenseId.slice('LicenseRef-'.length),
            extractedText: `The licence named "${licenseId.slice('LicenseRef-'.length)}" in a Debian copyright file; it has no SPDX identifier.`,
          })),
        }),
    packages: [
      {
        SPDXID: imageId,
        name: input.imageName,
        downloadLocation: NOASSERTION,
        filesAnalyzed: false,
        licenseConcluded: NOASSERTION,
        licenseDeclared: NOASSERTION,
        copyrightText: NOASSERTION,
        primaryPackagePurpose: 'OPERATING-SYSTEM',
        ...(input.distro === undefined ? {} : { comment: `distribution ${input.distro}` }),
      },
      ...packages,
    ],
    relationships: [
      {
        spdxElementId: 'SPDXRef-DOCUMENT',
        relationshipType: 'DESCRIBES',
        relatedSpdxElement: imageId,
      },
      ...packages.map((p) => ({
        spdxElementId: imageId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: p.SPDXID,
      })),
    ],
  }
  return `${JSON.stringify(document, null, 2)}\n`
}
