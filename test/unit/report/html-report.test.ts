import { describe, expect, it } from 'vitest'
import type { BuildEvent, TimedEvent } from '../../../src/report/events.ts'
import { renderHtmlReport } from '../../../src/report/html-report.ts'

const T0 = Date.UTC(2025, 2, 1, 10, 0, 0)
const at = (ms: number, event: BuildEvent): TimedEvent => ({ time: T0 + ms, event })
const EVIL = '50-<script>alert("x")</script>&co'

const failedBuild: readonly TimedEvent[] = [
  at(0, { kind: 'step-start', step: 'phase install.d', detail: '2 script(s), in the chroot' }),
  at(0, { kind: 'resource', action: 'acquire', resource: 'mount /tmp/b/mnt/proc' }),
  at(0, {
    kind: 'resource',
    action: 'acquire',
    resource: 'loop device /dev/loop7 for /tmp/b/image.raw',
  }),
  at(0, { kind: 'command', label: `install.d/${EVIL} (element a&b)`, argv: ['hook'] }),
  at(2_000, {
    kind: 'script-end',
    phase: 'install.d',
    script: EVIL,
    element: 'a&b',
    durationMs: 2_000,
    exitCode: 0,
  }),
  at(2_000, { kind: 'warning', message: 'Hygiene: <script> & friends left in /root' }),
  at(2_000, { kind: 'command', label: 'install.d/60-broken (element my-app)', argv: ['hook'] }),
  ...Array.from({ length: 60 }, (_, i) =>
    at(2_000 + i, {
      kind: 'output',
      label: 'install.d/60-broken (element my-app)',
      stream: 'stdout',
      line: `line ${i}`,
    } as const),
  ),
  at(3_000, { kind: 'step-end', step: 'phase install.d', durationMs: 3_000, ok: false }),
  at(3_500, { kind: 'resource', action: 'release', resource: 'loop device /dev/loop7' }),
  at(4_000, {
    kind: 'build-end',
    ok: false,
    durationMs: 4_000,
    error: { code: 'ERR_HOOK_FAILED', message: 'Script "install.d/60-broken" <failed> & stopped' },
  }),
]

const okBuild: readonly TimedEvent[] = [
  at(0, { kind: 'step-start', step: 'convert' }),
  at(0, { kind: 'output', label: 'qemu-img', stream: 'stdout', line: 'converting' }),
  at(1_000, { kind: 'artifact', path: '/out/debian.qcow2', format: 'qcow2', bytes: 1_610_612_736 }),
  at(1_000, { kind: 'step-end', step: 'convert', durationMs: 1_000, ok: true }),
  at(1_000, { kind: 'build-end', ok: true, durationMs: 1_250 }),
]

const rowOf = (page: string, name: string): string => {
  const rows = page
    .split('<div class="row ')
    .filter((row) => row.includes(`<span class="name">${name}</span>`))
  expect(rows).toHaveLength(1)
  return rows[0] ?? ''
}

describe('renderHtmlReport()', () => {
  it('is one self-contained page: inline style, no scripts, nothing fetched', () => {
    const page = renderHtmlReport(failedBuild)
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true)
    expect(page).toContain('<style>')
    expect(page).not.toMatch(/<script|<link|src=|href=|@import|url\(/i)
  })

  it('escapes every name, element, warning, message and output line', () => {
    const page = renderHtmlReport(failedBuild)
    expect(page).toContain('install.d/50-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co')
    expect(page).toContain('element a&amp;b')
    expect(page).toContain('Hygiene: &lt;script&gt; &amp; friends left in /root')
    expect(page).toContain('Script &quot;install.d/60-broken&quot; &lt;failed&gt; &amp; stopped')
    expect(page).not.toContain('a&b')
  })

  it('heads the page with the outcome, the duration and the start time in UTC', () => {
    const failed = renderHtmlReport(failedBuild)
    expect(failed).toContain(
      '<p class="outcome failed">Build failed: <code>ERR_HOOK_FAILED</code></p>',
    )
    expect(failed).toContain('<dd>2025-03-01T10:00:00.000Z</dd>')
    expect(failed).toContain('<dd>4.0 s</dd>')
    const ok = renderHtmlReport(okBuild)
    expect(ok).toContain('<p class="outcome ok">Build succeeded</p>')
    expect(ok).toContain('<dd>1.3 s</dd>')
    expect(renderHtmlReport(okBuild.slice(0, 3))).toContain('class="outcome unknown"')
  })

  it("lets the caller's outcome stand in for a missing build-end", () => {
    const page = renderHtmlReport(okBuild.slice(0, 3), {
      ok: false,
      code: 'ERR_INTERRUPTED',
      message: 'Build interrupted by SIGINT',
    })
    expect(page).toContain('<code>ERR_INTERRUPTED</code>')
  })

  it('draws bars at their computed place and colours failed rows apart', () => {
    const page = renderHtmlReport(failedBuild)
    const phase = rowOf(page, 'phase install.d')
    expect(phase.startsWith('step failed"')).toBe(true)
    expect(phase).toContain('style="left:0.000%;width:75.000%"')
    const broken = rowOf(page, 'install.d/60-broken')
    expect(broken.startsWith('script failed"')).toBe(true)
    expect(broken).toContain('style="padding-left:1.25em"')
    expect(broken).toContain('style="left:50.000%;width:25.000%"')
    expect(
      rowOf(
        page,
        'install.d/50-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;co',
      ).startsWith('script ok"'),
    ).toBe(true)
    expect(page).toMatch(/\.row\.failed \.bar \{[^}]*var\(--failed\)/)
  })

  it('lists the slowest scripts, longest first', () => {
    const page = renderHtmlReport(failedBuild)
    const table = page.slice(page.indexOf('<h2>Slowest scripts</h2>'), page.indexOf('<h2>Warnings'))
    expect(table.indexOf('50-&lt;script')).toBeLessThan(table.indexOf('60-broken'))
    expect(table).toContain(
      '<tr class="failed"><td>install.d/60-broken</td><td>my-app</td><td class="num">1.0 s</td><td>failed</td></tr>',
    )
  })

  it('flags resources acquired and never released, and pairs loop devices with their release', () => {
    const page = renderHtmlReport(failedBuild)
    expect(page).toContain('<p class="leak-flag">1 resource(s) acquired but never released')
    expect(page).toContain(
      '<tr class="leak"><td>mount /tmp/b/mnt/proc</td><td class="num">+0 ms</td><td class="num"><strong>never released</strong></td></tr>',
    )
    expect(page).toContain(
      '<tr><td>loop device /dev/loop7 for /tmp/b/image.raw</td><td class="num">+0 ms</td><td class="num">+3.5 s</td></tr>',
    )
    expect(renderHtmlReport(okBuild)).not.toContain('<p class="leak-flag">')
  })

  it('shows artifacts with their sizes', () => {
    expect(renderHtmlReport(okBuild)).toContain(
      '<tr><td>/out/debian.qcow2</td><td>qcow2</td><td class="num">1.5 GiB (1610612736 bytes)</td></tr>',
    )
  })

  it('shows the last 50 output lines of a failed build, and none of a good one', () => {
    const page = renderHtmlReport(failedBuild)
    expect(page).toContain('Last output before the failure (50 lines)')
    expect(page).toContain('line 59\n')
    expect(page).toContain('line 10\n')
    expect(page).not.toContain('line 9\n')
    expect(renderHtmlReport(okBuild)).not.toContain('Last output')
  })

  it('gives the same bytes for the same events, whenever it runs', () => {
    const first = renderHtmlReport(failedBuild)
    const realNow = Date.now
    Date.now = () => 0
    try {
      expect(renderHtmlReport(structuredClone(failedBuild))).toBe(first)
    } finally {
      Date.now = realNow
    }
  })
})
