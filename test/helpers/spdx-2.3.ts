// An SPDX 2.3 JSON document checker for the tests. The SPDX project publishes a JSON schema for
// 2.3, but no package on the registries this project can reach (npm, Debian 12 and 13) ships it,
// nor a validator (spdx-tools is in neither Debian release). So this schema is written here from
// the SPDX 2.3 specification's field tables (clause numbers in the comments): every mandatory
// field required, closed objects (a misspelt field fails, as in the published schema), the
// enumerations, identifier and date shapes. What a JSON schema cannot say is checked after it:
// unique SPDX identifiers, relationships that point at elements of the document, licence
// expressions that parse (spdx-expression-parse, on the SPDX licence list), every LicenseRef
// declared, package URLs that parse.
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import { PackageURL } from 'packageurl-js'
import parseLicense from 'spdx-expression-parse'

const idString = '[A-Za-z0-9.-]+'
const spdxRef = `^SPDXRef-${idString}$`
const utcTime = '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$'
const text = { type: 'string', minLength: 1 }
const closed = (required: readonly string[], properties: Record<string, unknown>): object => ({
  type: 'object',
  required,
  additionalProperties: false,
  properties,
})
const checksum = closed(['algorithm', 'checksumValue'], {
  algorithm: {
    enum: [
      'SHA1',
      'SHA224',
      'SHA256',
      'SHA384',
      'SHA512',
      'SHA3-256',
      'SHA3-384',
      'SHA3-512',
      'BLAKE2b-256',
      'BLAKE2b-384',
      'BLAKE2b-512',
      'BLAKE3',
      'MD2',
      'MD4',
      'MD5',
      'MD6',
      'ADLER32',
    ],
  },
  checksumValue: { type: 'string', pattern: '^[0-9a-f]+$' },
})
const annotation = closed(['annotator', 'annotationDate', 'annotationType', 'comment'], {
  annotator: { type: 'string', pattern: '^(Person|Organization|Tool): .+' },
  annotationDate: { type: 'string', pattern: utcTime },
  annotationType: { enum: ['REVIEW', 'OTHER'] },
  comment: text,
})
const agent = { type: 'string', pattern: '^(NOASSERTION|(Person|Organization): .+)$' }

/** Relationship types of clause 11.1 (SPDX 2.3). */
const RELATIONSHIP_TYPES = [
  'DESCRIBES',
  'DESCRIBED_BY',
  'CONTAINS',
  'CONTAINED_BY',
  'DEPENDS_ON',
  'DEPENDENCY_OF',
  'DEPENDENCY_MANIFEST_OF',
  'BUILD_DEPENDENCY_OF',
  'DEV_DEPENDENCY_OF',
  'OPTIONAL_DEPENDENCY_OF',
  'PROVIDED_DEPENDENCY_OF',
  'TEST_DEPENDENCY_OF',
  'RUNTIME_DEPENDENCY_OF',
  'EXAMPLE_OF',
  'GENERATES',
  'GENERATED_FROM',
  'ANCESTOR_OF',
  'DESCENDANT_OF',
  'VARIANT_OF',
  'DISTRIBUTION_ARTIFACT',
  'PATCH_FOR',
  'PATCH_APPLIED',
  'COPY_OF',
  'FILE_ADDED',
  'FILE_DELETED',
  'FILE_MODIFIED',
  'EXPANDED_FROM_ARCHIVE',
  'DYNAMIC_LINK',
  'STATIC_LINK',
  'DATA_FILE_OF',
  'TEST_CASE_OF',
  'BUILD_TOOL_OF',
  'DEV_TOOL_OF',
  'TEST_OF',
  'TEST_TOOL_OF',
  'DOCUMENTATION_OF',
  'OPTIONAL_COMPONENT_OF',
  'METAFILE_OF',
  'PACKAGE_OF',
  'AMENDS',
  'PREREQUISITE_FOR',
  'HAS_PREREQUISITE',
  'REQUIREMENT_DESCRIPTION_FOR',
  'SPECIFICATION_FOR',
  'OTHER',
]

/** Clause 7: package information. */
const pkg = {
  ...closed(['name', 'SPDXID', 'downloadLocation'], {
    name: text, // 7.1
    SPDXID: { type: 'string', pattern: spdxRef }, // 7.2
    versionInfo: text, // 7.3
    packageFileName: text, // 7.4
    supplier: agent, // 7.5
    originator: agent, // 7.6
    downloadLocation: { type: 'string', pattern: '^(NONE|NOASSERTION|\\S+)$' }, // 7.7
    filesAnalyzed: { type: 'boolean' }, // 7.8
    packageVerificationCode: closed(['packageVerificationCodeValue'], {
      // 7.9
      packageVerificationCodeValue: { type: 'string', pattern: '^[0-9a-f]{40}$' },
      packageVerificationCodeExcludedFiles: { type: 'array', items: text },
    }),
    checksums: { type: 'array', items: checksum }, // 7.10
    homepage: { type: 'string', pattern: '^(NONE|NOASSERTION|\\S+)$' }, // 7.11
    sourceInfo: text, // 7.12
    licenseConcluded: text, // 7.13
    licenseInfoFromFiles: { type: 'array', items: text }, // 7.14
    licenseDeclared: text, // 7.15
    licenseComments: text, // 7.16
    copyrightText: text, // 7.17
    summary: text, // 7.18
    description: text, // 7.19
    comment: text, // 7.20
    externalRefs: {
      // 7.21
      type: 'array',
      items: closed(['referenceCategory', 'referenceType', 'referenceLocator'], {
        referenceCategory: {
          enum: [
            'SECURITY',
            'PACKAGE-MANAGER',
            'PACKAGE_MANAGER',
            'PERSISTENT-ID',
            'PERSISTENT_ID',
            'OTHER',
          ],
        },
        referenceType: { type: 'string', pattern: '^\\S+$' },
        referenceLocator: { type: 'string', pattern: '^\\S+$' },
        comment: text,
      }),
    },
    attributionTexts: { type: 'array', items: text }, // 7.23
    primaryPackagePurpose: {
      enum: [
        'APPLICATION',
        'FRAMEWORK',
        'LIBRARY',
        'CONTAINER',
        'OPERATING-SYSTEM',
        'DEVICE',
        'FIRMWARE',
        'SOURCE',
        'ARCHIVE',
        'FILE',
        'INSTALL',
        'OTHER',
      ],
    }, // 7.24
    releaseDate: { type: 'string', pattern: utcTime }, // 7.25
    builtDate: { type: 'string', pattern: utcTime }, // 7.26
    validUntilDate: { type: 'string', pattern: utcTime }, // 7.27
    hasFiles: { type: 'array', items: { type: 'string', pattern: spdxRef } },
    annotations: { type: 'array', items: annotation },
  }),
  // 7.8/7.9: a package whose files were not analysed has no verification code and no files.
  if: { required: ['filesAnalyzed'], properties: { filesAnalyzed: { const: false } } },
  then: { not: { anyOf: [{ required: ['packageVerificationCode'] }, { required: ['hasFiles'] }] } },
}

/** Clause 6 (document creation), 10 (other licensing information), 11 (relationships). */
export const SPDX_2_3_SCHEMA = closed(
  ['spdxVersion', 'dataLicense', 'SPDXID', 'name', 'documentNamespace', 'creationInfo'],
  {
    spdxVersion: { const: 'SPDX-2.3' }, // 6.1
    dataLicense: { const: 'CC0-1.0' }, // 6.2
    SPDXID: { const: 'SPDXRef-DOCUMENT' }, // 6.3
    name: text, // 6.4
    documentNamespace: { type: 'string', format: 'uri', pattern: '^[^#]+$' }, // 6.5
    externalDocumentRefs: {
      // 6.6
      type: 'array',
      items: closed(['externalDocumentId', 'spdxDocument', 'checksum'], {
        externalDocumentId: { type: 'string', pattern: `^DocumentRef-${idString}$` },
        spdxDocument: { type: 'string', format: 'uri' },
        checksum,
      }),
    },
    creationInfo: closed(['created', 'creators'], {
      licenseListVersion: { type: 'string', pattern: '^\\d+\\.\\d+$' }, // 6.7
      creators: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', pattern: '^(Person|Organization|Tool): .+' },
      }, // 6.8
      created: { type: 'string', pattern: utcTime }, // 6.9
      comment: text, // 6.10
    }),
    comment: text, // 6.11
    documentDescribes: { type: 'array', items: { type: 'string', pattern: spdxRef } },
    packages: { type: 'array', items: pkg },
    files: {
      type: 'array',
      items: { type: 'object', required: ['fileName', 'SPDXID', 'checksums'] },
    },
    snippets: {
      type: 'array',
      items: { type: 'object', required: ['SPDXID', 'snippetFromFile', 'ranges'] },
    },
    hasExtractedLicensingInfos: {
      type: 'array',
      items: closed(['licenseId', 'extractedText'], {
        licenseId: { type: 'string', pattern: `^LicenseRef-${idString}$` }, // 10.1
        extractedText: text, // 10.2
        name: text, // 10.3
        seeAlsos: { type: 'array', items: { type: 'string', format: 'uri' } }, // 10.4
        comment: text, // 10.5
      }),
    },
    relationships: {
      type: 'array',
      items: closed(['spdxElementId', 'relationshipType', 'relatedSpdxElement'], {
        spdxElementId: {
          type: 'string',
          pattern: `^(DocumentRef-${idString}:)?SPDXRef-${idString}$`,
        },
        relationshipType: { enum: RELATIONSHIP_TYPES },
        relatedSpdxElement: {
          type: 'string',
          pattern: `^((DocumentRef-${idString}:)?SPDXRef-${idString}|NONE|NOASSERTION)$`,
        },
        comment: text,
      }),
    },
    annotations: { type: 'array', items: annotation },
  },
)

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false })
formats.default(ajv)
const validateSchema = ajv.compile(SPDX_2_3_SCHEMA)

interface Doc {
  packages?: {
    SPDXID: string
    licenseDeclared?: string
    licenseConcluded?: string
    externalRefs?: { referenceType: string; referenceLocator: string }[]
  }[]
  files?: { SPDXID: string }[]
  snippets?: { SPDXID: string }[]
  documentDescribes?: string[]
  hasExtractedLicensingInfos?: { licenseId: string }[]
  relationships?: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[]
}

function licenseProblems(
  field: string,
  expression: string,
  declared: ReadonlySet<string>,
): string[] {
  if (expression === 'NONE' || expression === 'NOASSERTION') return []
  try {
    parseLicense(expression)
  } catch (error) {
    return [
      `${field}: "${expression}" is not an SPDX licence expression (${(error as Error).message})`,
    ]
  }
  return (expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])
    .filter((ref) => !declared.has(ref))
    .map((ref) => `${field}: ${ref} is not declared in hasExtractedLicensingInfos`)
}

/** Every way `text` fails SPDX 2.3 (JSON): empty when it is a valid document. */
export function spdxProblems(text: string): string[] {
  const document: unknown = JSON.parse(text)
  if (!validateSchema(document)) {
    return (validateSchema.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    )
  }
  const doc = document as Doc
  const problems: string[] = []
  const ids = [
    'SPDXRef-DOCUMENT',
    ...[...(doc.packages ?? []), ...(doc.files ?? []), ...(doc.snippets ?? [])].map(
      (e) => e.SPDXID,
    ),
  ]
  const known = new Set(ids)
  if (known.size !== ids.length)
    problems.push(
      `SPDX identifiers repeat: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`,
    )
  const refs = (doc.hasExtractedLicensingInfos ?? []).map((l) => l.licenseId)
  const declared = new Set(refs)
  if (declared.size !== refs.length)
    problems.push('hasExtractedLicensingInfos declares a licenseId twice')
  const local = (id: string): boolean =>
    id.startsWith('DocumentRef-') || id === 'NONE' || id === 'NOASSERTION' || known.has(id)
  for (const [i, r] of (doc.relationships ?? []).entries()) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement])
      if (!local(id)) problems.push(`/relationships/${i}: ${id} is not an element of the document`)
  }
  for (const id of doc.documentDescribes ?? [])
    if (!known.has(id)) problems.push(`documentDescribes: ${id} is not an element of the document`)
  const describes =
    (doc.documentDescribes ?? []).length > 0 ||
    (doc.relationships ?? []).some(
      (r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES',
    )
  if (!describes)
    problems.push(
      'the document describes nothing (no documentDescribes, no DESCRIBES relationship)',
    )
  for (const [i, p] of (doc.packages ?? []).entries()) {
    for (const field of ['licenseDeclared', 'licenseConcluded'] as const) {
      const value = p[field]
      if (value !== undefined)
        problems.push(...licenseProblems(`/packages/${i}/${field}`, value, declared))
    }
    for (const ref of p.externalRefs ?? []) {
      if (ref.referenceType !== 'purl') continue
      try {
        PackageURL.fromString(ref.referenceLocator)
      } catch (error) {
        problems.push(
          `/packages/${i}: purl ${ref.referenceLocator} does not parse (${(error as Error).message})`,
        )
      }
    }
  }
  return problems
}
