// Where each element of the build lives. The core hands hook scripts the resolved element list
// (IMAGE_ELEMENT, in resolution order), the map element → directory (IMAGE_ELEMENT_YAML) and the
// search path (ELEMENTS_PATH); the merged hooks tree has lost which file came from which element,
// so the tools go back to the element directories.
import { realpathSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError, ElementError } from '../errors.ts'
import { isPlainObject } from './data-file.ts'
import { readSetting, type ToolEnv } from './tool-env.ts'

export interface ElementLocation {
  readonly name: string
  /** The directory the build uses for the element (its IMAGE_ELEMENT_YAML entry). */
  readonly dir: string
  /** Every ELEMENTS_PATH directory holding the element, in path order: package-installs reads all. */
  readonly dirs: readonly string[]
}

export interface ElementQuery {
  readonly names: readonly string[]
  readonly searchPath: readonly string[]
  readonly resolved: ReadonlyMap<string, string>
}

export interface ElementArgs {
  readonly elements?: string | undefined
  readonly path?: string | undefined
}

const ELEMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export function splitElementNames(text: string): string[] {
  return text.split(/\s+/).filter((name) => name !== '')
}

export function splitSearchPath(text: string): string[] {
  return text.split(':').filter((dir) => dir !== '')
}

export function parseImageElementYaml(text: string): Map<string, string> {
  let data: unknown
  try {
    data = parseYaml(text)
  } catch (error) {
    throw new ConfigError('Cannot parse IMAGE_ELEMENT_YAML: it is not valid YAML', { cause: error })
  }
  const map = new Map<string, string>()
  if (data === null || data === undefined) return map
  if (!isPlainObject(data)) {
    throw new ConfigError(
      'Cannot parse IMAGE_ELEMENT_YAML: expected a map of element names to directories',
    )
  }
  for (const [name, dir] of Object.entries(data)) {
    if (typeof dir !== 'string') {
      throw new ConfigError(
        `Cannot parse IMAGE_ELEMENT_YAML: the directory of element "${name}" is not a string`,
      )
    }
    map.set(name, dir)
  }
  return map
}

/** Build the query from command-line values, falling back to the hook environment. */
export function readElementQuery(args: ElementArgs, env: ToolEnv): ElementQuery {
  const yamlText = readSetting(env, 'IMAGE_ELEMENT_YAML')
  const resolved =
    yamlText === undefined ? new Map<string, string>() : parseImageElementYaml(yamlText)
  const namesText = args.elements ?? readSetting(env, 'IMAGE_ELEMENT')
  const names = namesText === undefined ? [...resolved.keys()] : splitElementNames(namesText)
  if (namesText === undefined && resolved.size === 0) {
    throw new ConfigError('Cannot find the element list: pass --elements or set IMAGE_ELEMENT', {
      hint: 'Element tools run from hook scripts, where the core sets IMAGE_ELEMENT and IMAGE_ELEMENT_YAML',
    })
  }
  const pathText = args.path ?? readSetting(env, 'ELEMENTS_PATH') ?? ''
  return { names, searchPath: splitSearchPath(pathText), resolved }
}

export interface DirectoryProbe {
  isDirectory(path: string): boolean
  /** The path with symlinks resolved, so one directory reached twice is read once. */
  canonical(path: string): string
}

export const diskProbe: DirectoryProbe = {
  isDirectory: (path) => statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false,
  canonical: (path) => realpathSync(path),
}

export function locateElements(
  query: ElementQuery,
  probe: DirectoryProbe = diskProbe,
): ElementLocation[] {
  const seen = new Set<string>()
  const locations: ElementLocation[] = []
  for (const name of query.names) {
    if (seen.has(name)) continue
    seen.add(name)
    if (!ELEMENT_NAME.test(name)) {
      throw new ElementError(`Cannot use element "${name}": not a valid element name`)
    }
    const found = query.searchPath
      .map((dir) => resolve(dir, name))
      .filter((dir) => probe.isDirectory(dir))
      .map((dir) => probe.canonical(dir))
    const resolvedDir = query.resolved.get(name)
    const chosen = resolvedDir === undefined ? found[0] : resolve(resolvedDir)
    if (chosen === undefined || !probe.isDirectory(chosen)) {
      throw new ElementError(
        `Cannot find element "${name}" in ELEMENTS_PATH "${query.searchPath.join(':')}"`,
        {
          hint: 'Pass --path or set ELEMENTS_PATH to the directories holding the elements',
        },
      )
    }
    const dir = probe.canonical(chosen)
    const dirs = found.includes(dir) ? found : [dir, ...found]
    locations.push({ name, dir, dirs: [...new Set(dirs)] })
  }
  return locations
}
