// CycloneDX 1.6 JSON for an image, built and serialised with the format's own library: the
// image as the BOM's operating-system component, each package a component with its package
// URL, licence expression and, as properties, its architecture and source package.
import CDX from '@cyclonedx/cyclonedx-library'
import { contentDigest, packageUrl, uuidFromDigest, type SbomInput } from './sbom-input.ts'

const { Enums, Models, Serialize, Spec } = CDX

export function renderCycloneDx(input: SbomInput): string {
  const bom = new Models.Bom({ serialNumber: `urn:uuid:${uuidFromDigest(contentDigest(input))}` })
  bom.metadata.timestamp = input.created
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'imagewright', {
      version: input.toolVersion,
    }),
  )
  bom.metadata.component = new Models.Component(
    Enums.ComponentType.OperatingSystem,
    input.imageName,
    {
      bomRef: `image:${input.imageName}`,
      ...(input.distro === undefined ? {} : { description: `distribution ${input.distro}` }),
    },
  )
  for (const pkg of input.packages) {
    const purl = packageUrl(pkg, input.distro)
    const licenses = new Models.LicenseRepository()
    if (pkg.license !== undefined) licenses.add(new Models.LicenseExpression(pkg.license))
    bom.components.add(
      new Models.Component(Enums.ComponentType.Library, pkg.name, {
        bomRef: purl,
        version: pkg.version,
        purl,
        licenses,
        properties: new Models.PropertyRepository([
          new Models.Property('imagewright:deb:architecture', pkg.arch),
          new Models.Property('imagewright:deb:source', pkg.source),
          new Models.Property('imagewright:deb:source-version', pkg.sourceVersion),
          new Models.Property('imagewright:deb:installed-size', String(pkg.installedBytes)),
        ]),
      }),
    )
  }
  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6),
  )
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`
}
