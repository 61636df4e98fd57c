// What the finished image holds, for the report and the SBOMs: its packages and what takes its
// space, read from the mounted tree; and the two SBOM files written beside the image.
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  largestDirectories,
  largestPackages,
  measureTree,
  readImageInventory,
  type ImageInventory,
} from '../inventory/read-inventory.ts'
import { resolveImageName } from '../output/naming.ts'
import { writeFileAtomically } from '../report/write-atomically.ts'
import { renderCycloneDx } from '../sbom/cyclonedx.ts'
import { sbomTime, type SbomInput } from '../sbom/sbom-input.ts'
import { renderSpdx } from '../sbom/spdx.ts'
import type { BuildContext } from './context.ts'
import { PACKAGE_ROOT } from '../util/package-paths.ts'

export const SBOM_SUFFIXES = { spdx: '.spdx.json', cyclonedx: '.cdx.json' } as const

export async function takeInventory(ctx: BuildContext, root: string): Promise<ImageInventory> {
  const inventory = await readImageInventory(root)
  ctx.reporter.emit({ kind: 'packages', packages: inventory.packages })
  const { totalBytes, directories } = largestDirectories(await measureTree(ctx.runner, root), root)
  ctx.reporter.emit({
    kind: 'space-usage',
    totalBytes,
    directories,
    packages: largestPackages(inventory.packages),
  })
  return inventory
}

function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version?: string
  }
  return manifest.version ?? '0.0.0'
}

/** IMAGE.spdx.json and IMAGE.cdx.json beside the image; reported as artifacts, not printed. */
export function writeSboms(ctx: BuildContext, inventory: ImageInventory): void {
  const imageName = resolveImageName(ctx.options.imageName, ctx.options.imageTypes)
  const input: SbomInput = {
    imageName: basename(imageName),
    packages: inventory.packages,
    distro: inventory.distro,
    created: sbomTime(ctx.options.env),
    toolVersion: toolVersion(),
  }
  const files = [
    { path: `${imageName}${SBOM_SUFFIXES.spdx}`, format: 'SPDX 2.3', text: renderSpdx(input) },
    {
      path: `${imageName}${SBOM_SUFFIXES.cyclonedx}`,
      format: 'CycloneDX 1.6',
      text: renderCycloneDx(input),
    },
  ]
  for (const file of files) {
    writeFileAtomically(file.path, file.text)
    ctx.reporter.emit({
      kind: 'artifact',
      path: file.path,
      format: file.format,
      bytes: Buffer.byteLength(file.text),
    })
  }
}
