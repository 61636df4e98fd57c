// Writes the settings tables from src/config/settings*.ts (compiled to dist/ first by
// `npm run docs:settings`): the README's "Settings imagewright adds" block and docs/settings.md.
// test/unit/config/settings-doc.test.ts fails when either is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const doc = await import(join(root, 'dist/config/settings-doc.js'))
const { listImageTypes } = await import(join(root, 'dist/output/formats.js'))
const facts = { imageTypes: listImageTypes() }

const readmePath = join(root, 'README.md')
writeFileSync(
  readmePath,
  doc.withReadmeTable(readFileSync(readmePath, 'utf8'), doc.readmeSettingsTable(facts)),
)
writeFileSync(join(root, 'docs/settings.md'), doc.settingsReference(facts))
console.log('Wrote README.md (settings block) and docs/settings.md')
