// Nothing in src/ reads a setting by hand: every DIB_* and IMAGEWRIGHT_* variable the core reads
// has a row in the settings table (src/config/settings*.ts), and a row's variables are read
// through readSetting(), never as env['NAME']. Element tools (src/element-tools/) implement
// element helpers and read the element's environment contract; they are out of scope.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { settingVariables } from '../../../src/config/settings.ts'

const SRC = join(import.meta.dirname, '..', '..', '..', 'src')
const TABLE_FILES = /^config\/(setting|settings|settings-[a-z]+)\.ts$/

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The variable names a file reads by hand: env['NAME'], env.NAME, commander's .env('NAME'). */
export function handReads(text: string): string[] {
  const names: string[] = []
  for (const match of text.matchAll(
    /(delete\s+)?\benv\[\s*['"`]([A-Za-z_]\w*)['"`]\s*\](\s*=(?!=))?/g,
  )) {
    if (match[1] === undefined && match[3] === undefined) names.push(match[2] ?? '')
  }
  for (const match of text.matchAll(/\benv\.([A-Z_][A-Z0-9_]*)\b(\s*=(?!=))?/g))
    if (match[2] === undefined) names.push(match[1] ?? '')
  for (const match of text.matchAll(/\.env\(\s*['"`]([A-Z_]\w*)['"`]\s*\)/g))
    names.push(match[1] ?? '')
  return names
}

function problems(file: string, text: string, table: ReadonlySet<string>): string[] {
  return handReads(text).flatMap((name) => {
    if (table.has(name))
      return [`${file} reads ${name} by hand: use readSetting() (src/config/settings.ts)`]
    if (/^(DIB|IMAGEWRIGHT)_/.test(name))
      return [`${file} reads ${name}, which has no row in src/config/settings*.ts`]
    return []
  })
}

describe('settings are read through the table', () => {
  const table = new Set(settingVariables())

  it('finds no hand-written read of a setting in src/', () => {
    const found = sourceFiles(SRC).flatMap((path) => {
      const file = relative(SRC, path).split('\\').join('/')
      if (TABLE_FILES.test(file) || file.startsWith('element-tools/')) return []
      return problems(file, readFileSync(path, 'utf8'), table)
    })
    expect(found).toEqual([])
  })

  it('catches both kinds of hand-written read, and lets writes and plain variables pass', () => {
    const sample = [
      "const a = options.env['SOURCE_DATE_EPOCH']",
      'const b = process.env.IMAGEWRIGHT_SOMETHING_NEW',
      "const c = env['PATH'] ?? '/bin'",
      "env['LC_ALL'] = 'C'",
      "delete env['TMPDIR']",
      "new Option('--x <v>').env('DIB_NOT_IN_TABLE')",
    ].join('\n')
    expect(problems('x.ts', sample, table)).toEqual([
      'x.ts reads SOURCE_DATE_EPOCH by hand: use readSetting() (src/config/settings.ts)',
      'x.ts reads IMAGEWRIGHT_SOMETHING_NEW, which has no row in src/config/settings*.ts',
      'x.ts reads DIB_NOT_IN_TABLE, which has no row in src/config/settings*.ts',
    ])
  })
})
