// Files elements write beside the image in cleanup.d (DIB's convention: "$IMAGE_NAME.<suffix>"):
// the ramdisk and kernel of ramdisk-base, the kernel and initrd of baremetal, the ISO of iso.
// The build watches those names so that they count as its artifacts when it succeeds, and are
// removed again when it fails after an element wrote them: a failed build leaves nothing new.
import { rm, stat } from 'node:fs/promises'

/** Suffixes DIB's ramdisk, baremetal and iso elements append to IMAGE_NAME. */
export const ELEMENT_OUTPUT_SUFFIXES = [
  '.initramfs',
  '.kernel',
  '.vmlinuz',
  '.initrd',
  '.iso',
  '-boot.iso',
] as const

interface Seen {
  readonly ino: number
  readonly mtimeMs: number
}

export interface ElementOutputs extends AsyncDisposable {
  /** The watched files that are new or rewritten since the watch began, in suffix order. */
  written(): Promise<string[]>
  /** Keep what was written (the build succeeded); otherwise disposal removes it. */
  keep(): void
}

async function look(path: string): Promise<Seen | undefined> {
  try {
    const info = await stat(path)
    return { ino: info.ino, mtimeMs: info.mtimeMs }
  } catch {
    return undefined
  }
}

export function elementOutputPaths(imageName: string): string[] {
  return ELEMENT_OUTPUT_SUFFIXES.map((suffix) => `${imageName}${suffix}`)
}

/** Start watching `IMAGE_NAME.*`: call before the phase whose scripts write them. */
export async function watchElementOutputs(imageName: string): Promise<ElementOutputs> {
  const paths = elementOutputPaths(imageName)
  const before = new Map<string, Seen | undefined>()
  for (const path of paths) before.set(path, await look(path))
  let kept = false
  const written = async (): Promise<string[]> => {
    const changed: string[] = []
    for (const path of paths) {
      const now = await look(path)
      const then = before.get(path)
      if (
        now !== undefined &&
        (then === undefined || then.ino !== now.ino || then.mtimeMs !== now.mtimeMs)
      )
        changed.push(path)
    }
    return changed
  }
  return {
    written,
    keep: () => {
      kept = true
    },
    [Symbol.asyncDispose]: async () => {
      if (kept) return
      for (const path of await written()) await rm(path, { force: true })
    },
  }
}
