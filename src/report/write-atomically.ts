// Replace a file in one step: readers (a browser refreshing the report, a CI upload) see the
// old file or the new one, never half of one. The temporary file has an unpredictable name and
// is created exclusively (O_EXCL, never through a planted symlink), readable by the owner only:
// reports and logs can name what a build did with credentials.
import { randomBytes } from 'node:crypto'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export function writeFileAtomically(path: string, text: string): void {
  // Same directory, so the rename never crosses filesystems.
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`)
  // On failure here nothing is ours to remove: whatever is at that name (EEXIST) is not ours.
  writeFileSync(temp, text, { flag: 'wx', mode: 0o600 })
  try {
    renameSync(temp, path)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
