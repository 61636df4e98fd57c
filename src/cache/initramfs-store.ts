// Initramfs images in the step store (kind "initramfs"), keyed by what the dpkg element's
// bin/imagewright-mkinitramfs hashes inside the chroot: everything mkinitramfs reads. For
// post-install.d a build gets an exchange directory of hard links to every stored initramfs,
// named by key. The wrapper copies a hit out and appends "KEY VERSION" to `used`; it writes a
// miss's result under its key and appends "KEY VERSION SECONDS" to `built`. Afterwards the hits
// are marked used (least recently used pruning) and the new images become entries.
import { link, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StepStore } from './store.ts'

export const INITRAMFS_KIND = 'initramfs'
const IMAGE_FILE = 'initrd.img'
const KEY = /^[0-9a-f]{64}$/

export interface InitramfsUse {
  readonly key: string
  readonly kernel: string
  /** How long mkinitramfs took, for a newly built image. */
  readonly seconds?: number
}

export interface InitramfsOutcome {
  readonly reused: readonly InitramfsUse[]
  readonly stored: readonly InitramfsUse[]
}

/** A fresh exchange directory holding a link to every stored initramfs, named by its key. */
export async function openInitramfsExchange(store: StepStore): Promise<string> {
  const dir = await store.stage()
  for (const entry of await store.list()) {
    if (entry.manifest.step !== INITRAMFS_KIND || !KEY.test(entry.manifest.key)) continue
    // An entry pruned since it was listed is simply not offered.
    await link(join(entry.dir, IMAGE_FILE), join(dir, entry.manifest.key)).catch(() => undefined)
  }
  return dir
}

/** What the wrapper reported; lines it could not have written are ignored. */
export function parseExchangeLog(text: string): InitramfsUse[] {
  const uses: InitramfsUse[] = []
  for (const line of text.split('\n')) {
    const [key, kernel, seconds, extra] = line.trim().split(/\s+/)
    if (key === undefined || !KEY.test(key) || kernel === undefined || extra !== undefined) continue
    const s = seconds === undefined ? undefined : Number(seconds)
    if (s !== undefined && !Number.isFinite(s)) continue
    uses.push({ key, kernel, ...(s === undefined ? {} : { seconds: s }) })
  }
  return uses
}

/** Mark the hits used, store the new images, and remove the exchange directory. */
export async function closeInitramfsExchange(
  store: StepStore,
  dir: string,
): Promise<InitramfsOutcome> {
  try {
    const read = (name: string): Promise<string> =>
      readFile(join(dir, name), 'utf8').catch(() => '')
    const reused = parseExchangeLog(await read('used'))
    for (const use of reused) await store.lookup(use.key)
    const stored: InitramfsUse[] = []
    for (const use of parseExchangeLog(await read('built'))) {
      const file = join(dir, use.key)
      // A link to an existing entry was not built here (two kernels, one image).
      const info = await stat(file).catch(() => undefined)
      if (info === undefined || !info.isFile() || info.nlink !== 1) continue
      const staged = await store.stage()
      try {
        await rename(file, join(staged, IMAGE_FILE))
        await store.commit(staged, {
          step: INITRAMFS_KIND,
          key: use.key,
          what: `initramfs of kernel ${use.kernel}`,
          durationMs: (use.seconds ?? 0) * 1000,
          parts: [],
          files: [IMAGE_FILE],
        })
      } catch (error) {
        await store.discard(staged)
        throw error
      }
      stored.push(use)
    }
    return { reused, stored }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
