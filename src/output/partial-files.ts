// Outputs are written under a temporary name next to the final one and renamed into place
// only when complete, so a failed or interrupted build never leaves a truncated image under
// the name a user (or a deploy script) will pick up. This tracks what is still temporary.
import { rm } from 'node:fs/promises'
import { temporaryPathFor } from './naming.ts'

export class PartialFiles {
  readonly #paths = new Set<string>()

  /** A fresh temporary sibling of `finalPath`, removed on cleanup unless released. */
  reserve(finalPath: string): string {
    const path = temporaryPathFor(finalPath)
    this.#paths.add(path)
    return path
  }

  /** Take responsibility for a path a tool derived from a reserved one (`x.partial.gz`). */
  track(path: string): string {
    this.#paths.add(path)
    return path
  }

  /** The path was renamed to its final name or deleted: no longer ours to remove. */
  release(path: string): void {
    this.#paths.delete(path)
  }

  get size(): number {
    return this.#paths.size
  }

  /** Remove every temporary file or directory still held; attempts them all. */
  async removeAll(): Promise<void> {
    const failures: unknown[] = []
    for (const path of this.#paths) {
      try {
        await rm(path, { force: true, recursive: true })
        this.#paths.delete(path)
      } catch (error) {
        failures.push(error)
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, 'Cannot remove partial output files')
    }
  }
}
