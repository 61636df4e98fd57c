// The content-addressed step store below DIB_IMAGE_CACHE. An entry is a directory named by its
// key, staged under tmp/ and renamed into entries/ in one step, so a reader sees a whole entry
// or none; two builds storing the same key keep the first. Using an entry touches its
// manifest, and pruning removes the least recently used entries first (renamed away, then
// deleted), skipping those used in the last minute.
import { randomBytes } from 'node:crypto'
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { CacheError } from '../errors.ts'
import type { InputPart, StepName } from './step-keys.ts'
import { isAlive } from '../host/processes.ts'

export const STORE_DIR = 'imagewright-steps'
const MANIFEST = 'manifest.json'
/** Entries used this recently are kept by prune: a build may be about to read them. */
export const IN_USE_MS = 60_000

export interface EntryManifest {
  /** The build step stored, or "initramfs" (initramfs-store.ts). */
  readonly step: StepName | 'initramfs'
  readonly key: string
  readonly createdAt: string
  /** What the entry holds, for `cache ls` and the log. */
  readonly what: string
  readonly bytes: number
  /** How long the step took when it was done: the time a hit saves. */
  readonly durationMs: number
  readonly parts: readonly InputPart[]
  /** Files of the entry besides the manifest, relative to the entry directory. */
  readonly files: readonly string[]
}

export interface StoredEntry {
  readonly dir: string
  readonly manifest: EntryManifest
  readonly lastUsed: Date
}

export class StepStore {
  readonly root: string

  constructor(imageCache: string) {
    this.root = join(imageCache, STORE_DIR)
  }

  entryDir(key: string): string {
    return join(this.root, 'entries', key)
  }

  /** The entry of `key`, marked as used now; undefined when there is none. */
  async lookup(key: string): Promise<StoredEntry | undefined> {
    const manifestPath = join(this.entryDir(key), MANIFEST)
    let manifest: EntryManifest
    try {
      manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as EntryManifest
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new CacheError(
        `Cannot read the cache entry "${manifestPath}": ${(error as Error).message}`,
        {
          cause: error,
          hint: 'Remove the entry (imagewright cache prune --all) or run with --no-cache',
        },
      )
    }
    const now = new Date()
    await utimes(manifestPath, now, now).catch(() => undefined)
    return { dir: this.entryDir(key), manifest, lastUsed: now }
  }

  /** A fresh staging directory; hand it to commit() once filled, or to discard(). */
  async stage(): Promise<string> {
    const dir = join(this.root, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`)
    await mkdir(dir, { recursive: true })
    return dir
  }

  async discard(staged: string): Promise<void> {
    await rm(staged, { recursive: true, force: true })
  }

  /** Publish a staged entry under its key; false when another build stored the key first. */
  async commit(
    staged: string,
    manifest: Omit<EntryManifest, 'bytes' | 'createdAt'>,
  ): Promise<boolean> {
    let bytes = 0
    for (const file of manifest.files) bytes += (await stat(join(staged, file))).size
    const full: EntryManifest = { ...manifest, bytes, createdAt: new Date().toISOString() }
    await writeFile(join(staged, MANIFEST), `${JSON.stringify(full, null, 1)}\n`)
    // The data must be on disk before the name says the entry is whole.
    for (const file of [...manifest.files, MANIFEST]) {
      const handle = await open(join(staged, file), 'r')
      await handle.sync().finally(() => handle.close())
    }
    await mkdir(join(this.root, 'entries'), { recursive: true })
    try {
      await rename(staged, this.entryDir(manifest.key))
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      await this.discard(staged)
      return false
    }
  }

  async list(): Promise<StoredEntry[]> {
    const names = await readdir(join(this.root, 'entries')).catch(() => [] as string[])
    const out: StoredEntry[] = []
    for (const name of names) {
      const manifestPath = join(this.root, 'entries', name, MANIFEST)
      try {
        const [text, info] = await Promise.all([readFile(manifestPath, 'utf8'), stat(manifestPath)])
        out.push({
          dir: join(this.root, 'entries', name),
          manifest: JSON.parse(text) as EntryManifest,
          lastUsed: info.mtime,
        })
      } catch {
        // Being pruned by another process, or half-written by a crashed one: not an entry.
      }
    }
    return out.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime())
  }

  /** The space `entries` take on disk, an archive two entries share counted once. */
  async diskBytes(entries: readonly StoredEntry[]): Promise<number> {
    return (await diskSpace(entries)).total
  }

  /**
   * Remove least recently used entries until the rest fit in `maxBytes` (all of them with 0),
   * and staging directories of dead processes. Returns the entries removed.
   */
  async prune(maxBytes: number, now = Date.now()): Promise<StoredEntry[]> {
    await this.sweepStaging()
    const entries = await this.list()
    const space = await diskSpace(entries)
    let total = space.total
    const removed: StoredEntry[] = []
    for (const entry of [...entries].reverse()) {
      if (total <= maxBytes) break
      if (maxBytes > 0 && now - entry.lastUsed.getTime() < IN_USE_MS) continue
      const trash = join(
        this.root,
        'tmp',
        `pruned-${process.pid}-${randomBytes(6).toString('hex')}`,
      )
      await mkdir(join(this.root, 'tmp'), { recursive: true })
      try {
        await rename(entry.dir, trash)
      } catch {
        continue // another prune took it
      }
      await rm(trash, { recursive: true, force: true })
      total -= space.free(entry)
      removed.push(entry)
    }
    return removed
  }

  /** Staging directories whose process is gone (a crashed or killed build). */
  private async sweepStaging(): Promise<void> {
    const names = await readdir(join(this.root, 'tmp')).catch(() => [] as string[])
    for (const name of names) {
      const pid = Number(/^(?:pruned-)?(\d+)-/.exec(name)?.[1])
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
        await rm(join(this.root, 'tmp', name), { recursive: true, force: true })
    }
  }
}

/**
 * The space entries take, a file shared by several of them (the finished tree linking the
 * archive of the step before, when nothing changed in between) counted once, and what
 * removing one frees: its files no other remaining entry shares.
 */
async function diskSpace(
  entries: readonly StoredEntry[],
): Promise<{ total: number; free: (entry: StoredEntry) => number }> {
  const holders = new Map<string, number>()
  const files = new Map<StoredEntry, { id: string; size: number }[]>()
  let total = 0
  for (const entry of entries) {
    const mine: { id: string; size: number }[] = []
    for (const file of entry.manifest.files) {
      const info = await stat(join(entry.dir, file)).catch(() => undefined)
      if (info === undefined) continue
      const id = `${info.dev}:${info.ino}`
      const held = holders.get(id) ?? 0
      if (held === 0) total += info.size
      holders.set(id, held + 1)
      mine.push({ id, size: info.size })
    }
    files.set(entry, mine)
  }
  const free = (entry: StoredEntry): number => {
    let freed = 0
    for (const { id, size } of files.get(entry) ?? []) {
      const left = (holders.get(id) ?? 1) - 1
      holders.set(id, left)
      if (left === 0) freed += size
    }
    return freed
  }
  return { total, free }
}
