// Find the package-installs files of each element. Like DIB, package-installs.json then .yaml are
// read from EVERY ELEMENTS_PATH directory holding the element (not only the one the build uses),
// so an overriding element adds to, rather than replaces, the packages of the one it shadows.
// Legacy `package-installs-<element>` lists live in phase directories of the element in use.
import { join } from 'node:path'
import type { ElementLocation } from '../element-dirs.ts'
import { listOptionalDir, readOptionalText } from '../optional-fs.ts'
import type { InstallSource } from './collect.ts'
import { readLegacyElement } from './legacy-list.ts'
import { STANDARD_PHASES } from './params.ts'

export async function readInstallSources(
  locations: readonly ElementLocation[],
): Promise<InstallSource[]> {
  const sources: InstallSource[] = []
  for (const location of locations) {
    for (const dir of location.dirs) {
      for (const name of ['package-installs.json', 'package-installs.yaml']) {
        const file = join(dir, name)
        const text = await readOptionalText(file)
        if (text !== undefined)
          sources.push({ kind: 'declarative', element: location.name, file, text })
      }
    }
    for (const phase of STANDARD_PHASES)
      sources.push(...(await readLegacyLists(location.dir, phase)))
  }
  return sources
}

async function readLegacyLists(elementDir: string, phase: string): Promise<InstallSource[]> {
  const phaseDir = join(elementDir, phase)
  const names = await listOptionalDir(phaseDir)
  const sources: InstallSource[] = []
  for (const name of names.sort()) {
    const element = readLegacyElement(name)
    if (element === undefined) continue
    const file = join(phaseDir, name)
    const text = await readOptionalText(file)
    if (text !== undefined) sources.push({ kind: 'legacy', element, file, text, phase })
  }
  return sources
}
