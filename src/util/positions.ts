// Positions in a YAML or JSON text (JSON is YAML), so a schema's complaint about any value can
// say "file:line:col", and the one formatter that turns a valibot issue into that message.
import * as v from 'valibot'
import { ConfigError } from '../errors.ts'
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml'

export type DataPath = readonly (string | number)[]

export class Positions {
  readonly file: string
  readonly #doc: Document | undefined
  readonly #lines = new LineCounter()

  /** `version` as the reader parses the data (element data files are read as YAML 1.1). */
  constructor(file: string, text: string | undefined, version: '1.1' | '1.2' = '1.2') {
    this.file = file
    if (text === undefined) return
    const doc = parseDocument(text, {
      lineCounter: this.#lines,
      version,
      uniqueKeys: false,
      prettyErrors: false,
    })
    // Positions are a courtesy: a text YAML cannot read still gets messages naming the file.
    this.#doc = doc.errors.length === 0 ? doc : undefined
  }

  /** Positions of nothing: messages name the file only. */
  static none(file: string): Positions {
    return new Positions(file, undefined)
  }

  #at(offset: number): string {
    const { line, col } = this.#lines.linePos(offset)
    return `${this.file}:${line}:${col}`
  }

  /**
   * "file:line:col" of the value at path, or of its nearest ancestor that has a position. A
   * number where the text has no list is skipped: schemas that accept "one or a list of" see
   * the one as item 0.
   */
  where(path: DataPath): string {
    const node = this.#nodeAt(path)
    return isNode(node) && node.range ? this.#at(node.range[0]) : this.file
  }

  /** The node at path, or the nearest ancestor that has a position. */
  #nodeAt(path: DataPath): unknown {
    let node: unknown = this.#doc?.contents
    let positioned = node
    for (const key of path) {
      if (isNode(node) && node.range) positioned = node
      if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined)
        node = node.items[key]
      else if (
        isMap(node) &&
        node.items.some((item) => isScalar(item.key) && String(item.key.value) === String(key))
      ) {
        node = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(key),
        )?.value
      } else if (typeof key === 'number') continue
      else break
    }
    return isNode(node) && node.range ? node : positioned
  }

  /** "file:line:col" of the key (not the value) at path: where an unwanted key starts. */
  whereKey(path: DataPath): string {
    const parent = this.#nodeAt(path.slice(0, -1))
    const key = path[path.length - 1]
    if (isMap(parent)) {
      const pair = parent.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(key),
      )
      if (pair && isNode(pair.key) && pair.key.range) return this.#at(pair.key.range[0])
    }
    return this.where(path)
  }
}

/** The data path of a valibot issue ("a", 0, "b"). */
export function issuePath(issue: v.BaseIssue<unknown>): (string | number)[] {
  return (issue.path ?? []).map((item) => {
    const key: unknown = item.key
    return typeof key === 'number' ? key : String(key)
  })
}

/** "file:line:col: message" for the first issue; a record key's issue points at the key. */
export function describeIssue(
  positions: Positions,
  issue: v.BaseIssue<unknown>,
  message = issue.message,
): string {
  const path = issuePath(issue)
  const onKey = issue.path?.at(-1)?.origin === 'key'
  return `${onKey ? positions.whereKey(path) : positions.where(path)}: ${message}`
}

/** What a `reads` function returns for a value it cannot use. */
export class Problem {
  readonly message: string
  constructor(message: string) {
    this.message = message
  }
}

/** A schema that reads a value with `read`, or reports the Problem it returns where the value is. */
export function reads<T>(read: (value: unknown) => T | Problem): v.GenericSchema<unknown, T> {
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const result = read(dataset.value)
      if (!(result instanceof Problem)) return result
      addIssue({ message: result.message })
      return NEVER
    }),
  )
}

/** `value` (found at `at` in the file) checked by `schema`; a failure says file:line:col and `prefix`. */
export function parseAt<T>(
  schema: v.GenericSchema<unknown, T>,
  value: unknown,
  at: DataPath,
  positions: Positions,
  prefix: string,
): T {
  const result = v.safeParse(schema, value)
  if (result.success) return result.output
  const [issue] = result.issues
  const path = [...at, ...issuePath(issue)]
  const onKey = issue.path?.at(-1)?.origin === 'key'
  throw new ConfigError(
    `${onKey ? positions.whereKey(path) : positions.where(path)}: ${prefix}${issue.message}`,
  )
}
