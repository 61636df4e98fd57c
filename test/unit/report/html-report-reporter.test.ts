import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BuildEvent } from '../../../src/report/events.ts'
import { HtmlReportReporter } from '../../../src/report/html-report-reporter.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const STEPS: readonly BuildEvent[] = [
  { kind: 'step-start', step: 'phase root.d' },
  { kind: 'step-end', step: 'phase root.d', durationMs: 1_000, ok: true },
]

function fakeWrites(): {
  reporter: HtmlReportReporter
  writes: { path: string; text: string }[]
  errors: unknown[]
} {
  const writes: { path: string; text: string }[] = []
  const errors: unknown[] = []
  let clock = Date.UTC(2025, 0, 1)
  const reporter = new HtmlReportReporter({
    path: '/out/report.html',
    now: () => (clock += 500),
    write: (path, text) => writes.push({ path, text }),
    onWriteError: (error) => errors.push(error),
  })
  return { reporter, writes, errors }
}

describe('HtmlReportReporter', () => {
  it('writes the report once, when the build-end event comes, with the times it saw', () => {
    const { reporter, writes } = fakeWrites()
    for (const event of STEPS) reporter.emit(event)
    expect(writes).toEqual([])
    reporter.emit({ kind: 'build-end', ok: true, durationMs: 1_500 })
    expect(writes).toHaveLength(1)
    expect(writes[0]?.path).toBe('/out/report.html')
    expect(writes[0]?.text).toContain('<p class="outcome ok">Build succeeded</p>')
    expect(writes[0]?.text).toContain('<dd>2025-01-01T00:00:00.000Z</dd>')
    reporter.finish({ ok: false, code: 'ERR_X', message: 'late' })
    expect(writes).toHaveLength(1)
  })

  it("writes the caller's outcome when the build ended without a build-end event", () => {
    const { reporter, writes } = fakeWrites()
    reporter.emit(STEPS[0] as BuildEvent)
    reporter.finish({ ok: false, code: 'ERR_INTERRUPTED', message: 'Build interrupted by SIGINT' })
    expect(writes).toHaveLength(1)
    expect(writes[0]?.text).toContain('<code>ERR_INTERRUPTED</code>')
    expect(writes[0]?.text).toContain('did not finish')
  })

  it('hands a write failure to onWriteError instead of throwing into the build', () => {
    const errors: unknown[] = []
    const reporter = new HtmlReportReporter({
      path: '/x.html',
      write: () => {
        throw new Error('EACCES')
      },
      onWriteError: (error) => errors.push(error),
    })
    expect(() => reporter.emit({ kind: 'build-end', ok: true, durationMs: 1 })).not.toThrow()
    reporter.finish({ ok: true })
    expect(errors).toHaveLength(1)
  })

  it('replaces the file through a temporary name in the same directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iw-html-report-'))
    dirs.push(dir)
    const path = join(dir, 'report.html')
    const reporter = new HtmlReportReporter({
      path,
      onWriteError: (error) => {
        throw error
      },
    })
    reporter.emit({ kind: 'warning', message: 'first <build>' })
    reporter.emit({
      kind: 'build-end',
      ok: false,
      durationMs: 1,
      error: { code: 'ERR_HOOK_FAILED', message: 'boom' },
    })
    expect(readFileSync(path, 'utf8')).toContain('first &lt;build&gt;')
    expect(readdirSync(dir)).toEqual(['report.html'])
  })
})
