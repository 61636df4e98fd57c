// A build writes down every host resource it takes (mounts, loop devices, processes) the moment
// it takes it, so `imagewright cleanup` can release what a killed build left behind.
import { readFileSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import * as v from 'valibot'
import { issuePath, Positions } from '../util/positions.ts'

export type JournalEntry =
  | { readonly kind: 'mount'; readonly path: string }
  | { readonly kind: 'loop'; readonly device: string; readonly file: string }
  /**
   * A file about to be attached to a loop device, by its identity (written before losetup runs,
   * so a kill -9 between attaching and journaling the device leaves it findable).
   */
  | {
      readonly kind: 'loop-file'
      readonly file: string
      readonly dev: string
      readonly ino: number
    }
  /**
   * A command's own process group (hook scripts run in one each). `startTicks` is when its
   * leader started, so a group id the kernel has since reused is never signalled.
   */
  | {
      readonly kind: 'process-group'
      readonly pgid: number
      readonly startTicks: number
      readonly what: string
    }
  | { readonly kind: 'dir'; readonly path: string }
  /** A file being written (an output under its temporary name): removed if the build dies. */
  | { readonly kind: 'file'; readonly path: string }

/** A journal is <build id>.json; while it is rewritten the new version is <build id>.json.tmp. */
export const JOURNAL_SUFFIX = '.json'
export const TEMP_SUFFIX = '.tmp'

export interface ResourceJournal {
  record(entry: JournalEntry): Promise<void>
  forget(entry: JournalEntry): Promise<void>
}

export interface JournalFile {
  readonly buildId: string
  readonly pid: number
  readonly startedAt: string
  /** The kernel's boot id when the build started: after a reboot its pid means nothing. */
  readonly bootId?: string | undefined
  readonly entries: readonly JournalEntry[]
}

const absolute = v.pipe(v.string(), v.startsWith('/'))
const entrySchema = v.variant('kind', [
  v.object({ kind: v.literal('mount'), path: absolute }),
  v.object({
    kind: v.literal('loop'),
    device: v.pipe(v.string(), v.regex(/^\/dev\/loop\d+$/)),
    file: absolute,
  }),
  v.object({
    kind: v.literal('loop-file'),
    file: absolute,
    dev: v.pipe(v.string(), v.regex(/^\d+:\d+$/)),
    ino: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  v.object({
    kind: v.literal('process-group'),
    pgid: v.pipe(v.number(), v.integer(), v.minValue(2)),
    startTicks: v.number(),
    what: v.string(),
  }),
  v.object({
    kind: v.literal('dir'),
    path: v.pipe(
      absolute,
      v.check((p) => p !== '/', 'must not be /'),
    ),
  }),
  v.object({
    kind: v.literal('file'),
    path: v.pipe(
      absolute,
      v.check((p) => p !== '/', 'must not be /'),
    ),
  }),
])
const journalSchema = v.object({
  buildId: v.pipe(v.string(), v.regex(/^[\w.-]+$/)),
  pid: v.pipe(v.number(), v.integer(), v.minValue(1)),
  startedAt: v.string(),
  bootId: v.optional(v.string()),
  entries: v.array(entrySchema),
})

/** This boot of the kernel (changes at every reboot). */
export function currentBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return 'unknown'
  }
}

function sameEntry(a: JournalEntry, b: JournalEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Journal kept as a JSON file, rewritten atomically on every change. */
export class FileJournal implements ResourceJournal {
  readonly path: string
  readonly #header: Omit<JournalFile, 'entries'>
  #entries: JournalEntry[] = []
  #writing: Promise<void> = Promise.resolve()

  /**
   * `pid` is the process whose death makes the journal abandoned: this one unless the resources
   * outlive it on purpose (`imagewright block-device create` hands them to its caller).
   */
  constructor(path: string, buildId: string, pid: number = process.pid) {
    this.path = path
    this.#header = { buildId, pid, startedAt: new Date().toISOString(), bootId: currentBootId() }
  }

  get entries(): readonly JournalEntry[] {
    return this.#entries
  }

  async record(entry: JournalEntry): Promise<void> {
    this.#entries.push(entry)
    await this.#flush()
  }

  async forget(entry: JournalEntry): Promise<void> {
    const index = this.#entries.findLastIndex((e) => sameEntry(e, entry))
    if (index >= 0) this.#entries.splice(index, 1)
    await this.#flush()
  }

  #flush(): Promise<void> {
    const snapshot: JournalFile = { ...this.#header, entries: [...this.#entries] }
    // Each write stands alone: one that failed (ENOSPC, EROFS) is not the answer of the next.
    this.#writing = this.#writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true })
        const temp = `${this.path}${TEMP_SUFFIX}`
        await writeFile(temp, JSON.stringify(snapshot, null, 2) + '\n')
        await rename(temp, this.path)
      })
    return this.#writing
  }
}

/** A journal that remembers nothing: for tests and tools that hold no host resources. */
export const nullJournal: ResourceJournal = {
  record: async () => undefined,
  forget: async () => undefined,
}

/** A journal as written by a build; anything else (truncated, edited, foreign) is refused. */
export async function readJournal(path: string): Promise<JournalFile> {
  const text = await readFile(path, 'utf8')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new Error(`not JSON (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    })
  }
  const parsed = v.safeParse(journalSchema, data)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const where = v.getDotPath(issue) ?? 'the file'
    // JSON is YAML: its positions say where in the file the bad value is.
    throw new Error(
      `not a build journal: ${where}: ${issue.message} (at ${new Positions(path, text).where(issuePath(issue))})`,
    )
  }
  return parsed.output
}
