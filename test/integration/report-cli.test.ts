// `imagewright report` and `--html-report` through the compiled CLI (run `npm run build`
// first): the page written from a JSON-lines fixture, the error for a bad line, and the report
// a failing build leaves behind.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DIB_BIN, IW_BIN, REPO, runCli } from '../helpers/cli.ts'

const FIXTURES = join(REPO, 'test', 'fixtures', 'report')
const FAILED_BUILD = join(FIXTURES, 'failed-build.jsonl')
const BAD_LINE = join(FIXTURES, 'bad-line.jsonl')

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-report-cli-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('imagewright report', () => {
  it('writes the HTML report of a JSON-lines log to -o, the same page it prints without -o', async () => {
    const out = join(dir, 'reports', 'build.html')
    const written = await runCli(IW_BIN, { args: ['report', FAILED_BUILD, '-o', out] })
    expect(written.stderr).toBe('')
    expect(written.code).toBe(0)
    expect(written.stdout).toBe('')
    const page = await readFile(out, 'utf8')
    expect(await readdir(join(dir, 'reports'))).toEqual(['build.html'])

    expect(page.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(page).not.toMatch(/<script|<link|src=|href=/i)
    expect(page).toContain(
      '<p class="outcome failed">Build failed: <code>ERR_HOOK_FAILED</code></p>',
    )
    expect(page).toContain('<dd>2025-03-01T10:00:00.000Z</dd>')
    expect(page).toContain('<dd>20.0 s</dd>')
    // phase root.d ran from 2 s to 12 s of a 20 s build; install.d/60-broken failed from 12 s to 16 s.
    expect(page).toMatch(
      /<div class="row step ok">\n<div class="label"[^\n]*>phase root\.d<\/span>[^\n]*\n<div class="track"><div class="bar" style="left:10\.000%;width:50\.000%"/,
    )
    expect(page).toMatch(
      /<div class="row script failed">\n<div class="label" style="padding-left:1\.25em"[^\n]*>install\.d\/60-broken<\/span>[^\n]*\n<div class="track"><div class="bar" style="left:60\.000%;width:20\.000%"/,
    )
    expect(page).toContain('root.d/50-&lt;script&gt;alert(1)&lt;/script&gt;&amp;co')
    expect(page).toContain('Element &quot;vm&quot; at /a &amp; /b overrides &lt;builtin&gt;')
    expect(page).toContain('<p class="leak-flag">1 resource(s) acquired but never released')
    expect(page).toContain('<span class="stderr">E: Unable to locate package nope</span>')

    const printed = await runCli(IW_BIN, { args: ['report', FAILED_BUILD] })
    expect(printed.code).toBe(0)
    expect(printed.stdout).toBe(page)
  })

  it('refuses a malformed line with one error line naming the file and line, exit 3', async () => {
    const out = join(dir, 'never.html')
    const result = await runCli(IW_BIN, { args: ['report', BAD_LINE, '-o', out] })
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('')
    const [first, code] = result.stderr.split('\n')
    expect(first).toBe(
      `Error: Cannot read build events from "${BAD_LINE}": line 2 is not a valid "step-end" event: durationMs: Invalid type: Expected number but received "soon"`,
    )
    expect(code).toBe('Code: ERR_CONFIG')
    expect(existsSync(out)).toBe(false)
  })

  it('refuses a log that does not exist, exit 3', async () => {
    const result = await runCli(IW_BIN, { args: ['report', join(dir, 'missing.jsonl')] })
    expect(result.code).toBe(3)
    expect(result.stderr).toContain(
      `Cannot read build events from "${join(dir, 'missing.jsonl')}": no such file or directory`,
    )
  })
})

describe('disk-image-create --html-report', () => {
  it('writes the report of a build that fails, with the error the CLI printed', async () => {
    const report = join(dir, 'out', 'report.html')
    const result = await runCli(DIB_BIN, {
      args: ['--html-report', report, '-o', join(dir, 'image'), 'no-such-element-for-report-test'],
      env: { ELEMENTS_PATH: '', IMAGEWRIGHT_HTML_REPORT: join(dir, 'not-this.html') },
      timeoutMs: 60_000,
    })
    expect(result.code).not.toBe(0)
    const code = /^Code: (ERR_\w+)$/m.exec(result.stderr)?.[1]
    expect(code).toBeDefined()
    const page = await readFile(report, 'utf8')
    expect(page).toContain(`<p class="outcome failed">Build failed: <code>${code ?? ''}</code></p>`)
    expect(existsSync(join(dir, 'not-this.html'))).toBe(false)
    expect(await readdir(join(dir, 'out'))).toEqual(['report.html'])
  })
})
