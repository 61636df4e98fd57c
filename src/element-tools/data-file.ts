// Element data files (package-installs, pkg-map, svc-map) are read the way DIB reads them: JSON
// first, then YAML in PyYAML's 1.1 dialect, so `uninstall: yes` and duplicate keys (last one
// wins) behave as they do for elements written against DIB.
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from '../errors.ts'
import { Positions } from '../util/positions.ts'

export function parseDataText(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    // Not JSON: DIB falls back to YAML for every data file, whatever its extension.
  }
  try {
    return parseYaml(text, { version: '1.1', uniqueKeys: false }) as unknown
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ConfigError(`Cannot parse "${file}": ${reason}`, { cause: error })
  }
}

/** Where each value of a data file's text is, for file:line:col in messages. */
export function dataPositions(text: string, file: string): Positions {
  return new Positions(file, text, '1.1')
}

export async function readDataFile(file: string): Promise<unknown> {
  return parseDataText(await readFile(file, 'utf8'), file)
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A readable name for a value's type in error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  return `a ${typeof value}`
}
