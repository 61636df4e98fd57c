// BuildEvent as a valibot schema, for reading events back from a JSON-lines log. The type
// checks below fail to compile when the schema and the union drift apart.
import * as v from 'valibot'
import type { BuildEvent, BuildEventKind } from './events.ts'

const count = v.pipe(v.number(), v.finite())
const failure = v.object({ code: v.string(), message: v.string() })
const scriptTiming = v.object({ script: v.string(), element: v.string(), durationMs: count })

const optionalString = v.exactOptional(v.string())
const packageInfo = v.object({
  name: v.string(),
  version: v.string(),
  arch: v.string(),
  source: v.string(),
  sourceVersion: v.string(),
  license: optionalString,
  installedBytes: count,
})
const partition = v.object({
  name: v.string(),
  startBytes: count,
  bytes: count,
  type: optionalString,
  fstype: optionalString,
  label: optionalString,
  mountPoint: optionalString,
})
const diskLayout = v.object({
  bytes: count,
  sectorSize: count,
  table: optionalString,
  partitions: v.pipe(v.array(partition), v.readonly()),
})
const spaceEntries = v.pipe(v.array(v.object({ name: v.string(), bytes: count })), v.readonly())

const EVENT_SCHEMAS = [
  v.object({
    kind: v.literal('step-start'),
    step: v.string(),
    detail: v.exactOptional(v.string()),
  }),
  v.object({ kind: v.literal('step-end'), step: v.string(), durationMs: count, ok: v.boolean() }),
  v.object({
    kind: v.literal('command'),
    label: v.string(),
    argv: v.pipe(v.array(v.string()), v.readonly()),
  }),
  v.object({
    kind: v.literal('output'),
    label: v.string(),
    stream: v.picklist(['stdout', 'stderr']),
    line: v.string(),
  }),
  v.object({
    kind: v.literal('script-end'),
    phase: v.string(),
    script: v.string(),
    element: v.string(),
    durationMs: count,
    exitCode: v.pipe(v.number(), v.integer()),
  }),
  v.object({
    kind: v.literal('phase-summary'),
    phase: v.string(),
    scripts: v.pipe(v.array(scriptTiming), v.readonly()),
  }),
  v.object({ kind: v.literal('info'), message: v.string() }),
  v.object({ kind: v.literal('warning'), message: v.string() }),
  v.object({
    kind: v.literal('resource'),
    action: v.picklist(['acquire', 'release']),
    resource: v.string(),
  }),
  v.object({ kind: v.literal('artifact'), path: v.string(), format: v.string(), bytes: count }),
  v.object({
    kind: v.literal('progress'),
    task: v.string(),
    done: count,
    total: v.exactOptional(count),
    unit: v.picklist(['bytes', 'items', 'percent']),
  }),
  v.object({ kind: v.literal('packages'), packages: v.pipe(v.array(packageInfo), v.readonly()) }),
  v.object({ kind: v.literal('disk-layout'), disk: diskLayout }),
  v.object({
    kind: v.literal('space-usage'),
    totalBytes: count,
    directories: spaceEntries,
    packages: spaceEntries,
  }),
  v.object({
    kind: v.literal('cache-hit'),
    cache: v.string(),
    key: v.string(),
    what: v.string(),
    savedMs: v.exactOptional(count),
  }),
  v.object({
    kind: v.literal('cache-miss'),
    cache: v.string(),
    step: v.string(),
    key: v.string(),
    reason: v.string(),
  }),
  v.object({
    kind: v.literal('build-end'),
    ok: v.boolean(),
    durationMs: count,
    error: v.exactOptional(failure),
  }),
] as const

export const BUILD_EVENT_SCHEMA = v.variant('kind', EVENT_SCHEMAS)

export const BUILD_EVENT_KINDS: ReadonlySet<string> = new Set(
  EVENT_SCHEMAS.map((schema) => schema.entries.kind.literal),
)

type Parsed = v.InferOutput<typeof BUILD_EVENT_SCHEMA>
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
// Every event kind has a schema, and every schema parses to a BuildEvent.
const schemaMatchesUnion: Same<Parsed['kind'], BuildEventKind> = true
const parsedIsEvent: Same<Parsed extends BuildEvent ? true : false, true> = true
const eventIsParsed: Same<BuildEvent extends Parsed ? true : false, true> = true
void [schemaMatchesUnion, parsedIsEvent, eventIsParsed]
