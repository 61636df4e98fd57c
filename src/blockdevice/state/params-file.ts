// DIB's block-device params.yaml (what disk-image-create hands dib-block-device), read for
// `imagewright block-device`. Paths are made absolute, so a later command run from another
// directory finds the same files.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { parse } from 'yaml'
import { ConfigError } from '../../errors.ts'
import { parseAt, Positions, Problem, reads } from '../../util/positions.ts'
import { parseSize } from '../../util/size.ts'

export const PATH_KEYS = ['config', 'image-dir', 'mount-base', 'build-dir'] as const
export type ParamsPathKey = (typeof PATH_KEYS)[number]

const OTHER_KEYS = ['root-fs-type', 'root-label', 'image-size', 'root-fs-opts'] as const

export interface BlockDeviceParamsFile {
  /** The params file, for messages. */
  readonly file: string
  /** Absolute paths of the keys present. */
  readonly paths: Readonly<Partial<Record<ParamsPathKey, string>>>
  /** FS_TYPE; "" when absent (ext4). */
  readonly rootFsType: string
  /** ROOT_LABEL; undefined when absent or empty, as DIB turns "" into null. */
  readonly rootLabel: string | undefined
  readonly imageSizeBytes: number | undefined
  /** MKFS_OPTS split on white space. */
  readonly rootFsOpts: readonly string[] | undefined
}

export interface ParsedParamsFile {
  readonly params: BlockDeviceParamsFile
  /** Keys DIB does not know, which are ignored (a typo would otherwise go unnoticed). */
  readonly warnings: readonly string[]
}

const text = (key: string): v.GenericSchema<unknown, string | undefined> =>
  reads((value) => {
    if (value === undefined || value === null) return undefined
    if (typeof value === 'string') return value
    if (typeof value === 'number') return String(value)
    return new Problem(`Cannot use "${key}": expected a string, got ${JSON.stringify(value)}`)
  })

// disk-image-create writes "<N>KiB"; any size spec (or a number of bytes) is taken.
const IMAGE_SIZE = reads((value) => {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value !== 'string' && typeof value !== 'number')
    return new Problem('Cannot use "image-size": expected a size such as "2GiB"')
  try {
    return parseSize(value)
  } catch (error) {
    return new Problem(`Cannot use "image-size": ${(error as Error).message}`)
  }
})

const OPTS = reads((value): readonly string[] | undefined | Problem => {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '')
  if (Array.isArray(value) && value.every((word) => typeof word === 'string')) return value
  return new Problem(
    `Cannot use "root-fs-opts": expected a string of options, got ${JSON.stringify(value)}`,
  )
})

const PARAMS = v.looseObject({
  config: v.optional(text('config')),
  'image-dir': v.optional(text('image-dir')),
  'mount-base': v.optional(text('mount-base')),
  'build-dir': v.optional(text('build-dir')),
  'root-fs-type': v.optional(text('root-fs-type')),
  'root-label': v.optional(text('root-label')),
  'image-size': v.optional(IMAGE_SIZE),
  'root-fs-opts': v.optional(OPTS),
})

/** Parse params YAML; relative paths are taken from `cwd`, as DIB takes them. */
export function parseParamsFile(yaml: string, file: string, cwd: string): ParsedParamsFile {
  const data = parseYaml(yaml, file)
  const positions = new Positions(file, yaml)
  const read = parseAt(PARAMS, data, [], positions, '')
  const paths: Partial<Record<ParamsPathKey, string>> = {}
  for (const key of PATH_KEYS) {
    const value = read[key]
    if (value === undefined || value === '') continue
    paths[key] = resolve(cwd, value)
  }
  const rootLabel = read['root-label']
  return {
    params: {
      file,
      paths,
      rootFsType: read['root-fs-type'] ?? '',
      rootLabel: rootLabel === '' ? undefined : rootLabel,
      imageSizeBytes: read['image-size'],
      rootFsOpts: read['root-fs-opts'],
    },
    warnings: Object.keys(data)
      .filter((key) => !(PATH_KEYS as readonly string[]).includes(key))
      .filter((key) => !(OTHER_KEYS as readonly string[]).includes(key))
      .map((key) => `${positions.whereKey([key])}: Ignoring unknown key "${key}"`),
  }
}

export async function readParamsFile(path: string, cwd: string): Promise<ParsedParamsFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(
      `Cannot read block-device params "${path}": ${(error as Error).message}`,
      { cause: error, hint: 'Pass --params PARAMS.yaml or set DIB_BLOCK_DEVICE_PARAMS_YAML' },
    )
  }
  return parseParamsFile(text, path, cwd)
}

/** A path key the command cannot do without. */
export function requireParamPath(
  params: BlockDeviceParamsFile,
  key: ParamsPathKey,
  purpose: string,
): string {
  const value = params.paths[key]
  if (value !== undefined) return value
  throw new ConfigError(`Cannot ${purpose}: "${params.file}" has no "${key}"`, {
    hint: `Add "${key}: PATH" to ${params.file}`,
  })
}

function parseYaml(text: string, file: string): Record<string, unknown> {
  let data: unknown
  try {
    data = parse(text)
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0] ?? ''
    throw new ConfigError(`${file}: Cannot parse block-device params: ${reason}`, {
      cause: error,
    })
  }
  if (data === null || data === undefined) return {}
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(`${file}: Cannot read block-device params: expected a map of keys`)
  }
  return data as Record<string, unknown>
}
