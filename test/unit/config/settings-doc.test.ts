// The README's settings block and docs/settings.md are the settings table's: regenerate them with
// `npm run docs:settings` after changing a row.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  readmeSettingsTable,
  settingsReference,
  withReadmeTable,
} from '../../../src/config/settings-doc.ts'
import { listImageTypes } from '../../../src/output/formats.ts'

const REPO = join(import.meta.dirname, '..', '..', '..')
const read = (name: string): string => readFileSync(join(REPO, name), 'utf8')
const facts = { imageTypes: listImageTypes() }
const STALE = 'out of date: run `npm run docs:settings`'

describe('generated settings documentation', () => {
  it("README.md's settings block is the table's", () => {
    const readme = read('README.md')
    expect(withReadmeTable(readme, readmeSettingsTable(facts)), `README.md ${STALE}`).toBe(readme)
  })

  it('docs/settings.md is the table', () => {
    expect(read('docs/settings.md'), `docs/settings.md ${STALE}`).toBe(settingsReference(facts))
  })

  it('lists every option and variable once', () => {
    const reference = settingsReference(facts)
    for (const name of [
      '`--image-size GB`',
      '`DIB_IMAGE_SIZE`',
      '`SOURCE_DATE_EPOCH`',
      '`TMPDIR`, `TMP_DIR`',
      '`break_cmd`',
    ]) {
      expect(reference.split(name).length - 1, name).toBe(1)
    }
  })
})
