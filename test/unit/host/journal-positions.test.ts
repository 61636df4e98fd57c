// A journal that is no build's says which value is wrong, and where in the file it is.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { readJournal } from '../../../src/host/journal.ts'

const dir = await mkdtemp(join(tmpdir(), 'iw-journal-'))
afterAll(() => rm(dir, { recursive: true, force: true }))

it('names the bad value with its file:line:col', async () => {
  const path = join(dir, 'j.json')
  const text =
    '{\n  "buildId": "b",\n  "pid": 12,\n  "startedAt": "then",\n  "entries": [\n    {"kind": "dir", "path": "/"}\n  ]\n}\n'
  await writeFile(path, text)
  await expect(readJournal(path)).rejects.toThrow(
    `not a build journal: entries.0.path: must not be / (at ${path}:6:29)`,
  )
})
