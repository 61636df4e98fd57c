// Replace a file in one step: readers (a browser refreshing the report, a CI upload) see the
// old file or the new one, never half of one.
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export function writeFileAtomically(path: string, text: string): void {
  // Same directory, so the rename never crosses filesystems.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  try {
    writeFileSync(temp, text)
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
