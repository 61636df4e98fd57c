// The block-device YAML as read from disk, kept with its positions so every later stage can
// say "file:line:col" about any key it rejects, even after the tree has been flattened.
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml'
import { ConfigError } from '../../errors.ts'

export type ConfigPath = readonly (string | number)[]

/** Where a value came from: the source document and its path inside it. */
export interface ConfigOrigin {
  readonly source: ConfigSource
  readonly path: ConfigPath
}

export class ConfigSource {
  readonly file: string
  readonly data: unknown
  readonly #doc: Document
  readonly #lines: LineCounter

  constructor(file: string, text: string) {
    this.file = file
    this.#lines = new LineCounter()
    this.#doc = parseDocument(text, { lineCounter: this.#lines, prettyErrors: false })
    const [error] = this.#doc.errors
    if (error) {
      const at = this.#lines.linePos(error.pos[0])
      const where = `${file}:${at.line}:${at.col}`
      const reason = error.message.split('\n')[0] ?? error.message
      throw new ConfigError(`${where}: Cannot parse block-device config: ${reason}`, {
        cause: error,
      })
    }
    this.data = this.#doc.toJS()
  }

  /** "file:line:col" of the value at path, or of its nearest ancestor that has a position. */
  where(path: ConfigPath): string {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = length === 0 ? this.#doc.contents : this.#doc.getIn(path.slice(0, length), true)
      if (isNode(node) && node.range) {
        const { line, col } = this.#lines.linePos(node.range[0])
        return `${this.file}:${line}:${col}`
      }
    }
    return this.file
  }

  /** "file:line:col" of the key (not the value) at path: where an unwanted key starts. */
  whereKey(path: ConfigPath): string {
    const parent = this.#doc.getIn(path.slice(0, -1), true)
    const key = path[path.length - 1]
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key)
      if (pair && isNode(pair.key) && pair.key.range) {
        const { line, col } = this.#lines.linePos(pair.key.range[0])
        return `${this.file}:${line}:${col}`
      }
    }
    return this.where(path)
  }

  /** The YAML presentation of a scalar ("HEX" for 0x83), for values whose spelling matters. */
  formatOf(path: ConfigPath): string | undefined {
    const node: unknown = this.#doc.getIn(path, true)
    if (node && typeof node === 'object' && 'format' in node && typeof node.format === 'string') {
      return node.format
    }
    return undefined
  }
}

/** "[2].partitioning.partitions[0].size" for a path, as messages show it. */
export function formatConfigPath(path: ConfigPath): string {
  let text = ''
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`
    else text += text === '' ? key : `.${key}`
  }
  return text
}

/** A ConfigError that starts with the position and path of the offending value. */
export function configErrorAt(origin: ConfigOrigin, message: string, cause?: unknown): ConfigError {
  const where = origin.source.where(origin.path)
  const path = formatConfigPath(origin.path)
  return new ConfigError(`${where}: ${path === '' ? '' : `${path}: `}${message}`, { cause })
}

/** The same origin one step deeper. */
export function originAt(origin: ConfigOrigin, ...keys: (string | number)[]): ConfigOrigin {
  return { source: origin.source, path: [...origin.path, ...keys] }
}
