// The body sections of the HTML report. Numbers are formatted without locale so the same
// events always give the same bytes.
import { html, type Html } from './html.ts'
import type { ArtifactRow, OutputLine, ResourceRow, WarningRow } from './report-summary.ts'
import { isUnreleased } from './report-summary.ts'
import type { Timeline, TimelineRow } from './timeline.ts'

export const SLOWEST_SCRIPTS = 15

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`
}

export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 'B'
  for (const next of units) {
    if (value < 1024) break
    value /= 1024
    unit = next
  }
  return unit === 'B' ? `${bytes} B` : `${value.toFixed(1)} ${unit} (${bytes} bytes)`
}

const offset = (ms: number | undefined): string =>
  ms === undefined ? '' : `+${formatDuration(Math.max(ms, 0))}`
const percent = (value: number): string => `${value.toFixed(3)}%`

function timelineRow(row: TimelineRow): Html {
  const what = row.kind === 'script' ? `element ${row.detail ?? '?'}` : row.detail
  const status = row.status === 'ok' ? '' : row.status === 'failed' ? 'FAILED' : 'did not finish'
  const exit = row.exitCode !== undefined && row.exitCode !== 0 ? `exit ${row.exitCode}` : undefined
  const when = `${offset(row.offsetMs)} for ${formatDuration(row.durationMs)}`
  const title = [row.name, what, when, status, exit].filter(Boolean).join(', ')
  const label = [
    html`<span class="name">${row.name}</span>`,
    what === undefined ? '' : html` <span class="detail">${what}</span>`,
    html` <span class="dur">${formatDuration(row.durationMs)}</span>`,
    status ? html` <span class="status">${status}</span>` : '',
  ]
  const indent = `padding-left:${(row.depth * 1.25).toFixed(2)}em`
  return html`<div class="row ${row.kind} ${row.status}">
<div class="label" style="${indent}" title="${title}">${label}</div>
<div class="track"><div class="bar" style="left:${percent(row.leftPercent)};width:${percent(row.widthPercent)}" title="${title}"></div></div>
</div>
`
}

export function timelineSection(timeline: Timeline): Html {
  const ticks = [0, 25, 50, 75, 100].map(
    (p) =>
      html`<span class="tick" style="left:${p}%">${formatDuration((timeline.spanMs * p) / 100)}</span>`,
  )
  const rows =
    timeline.rows.length === 0
      ? html`<p class="none">No steps were recorded.</p>`
      : timeline.rows.map(timelineRow)
  return html`<section><h2>Timeline</h2>
<div class="timeline">
<div class="row scale"><div class="label"></div><div class="track">${ticks}</div></div>
${rows}</div>
</section>
`
}

export function slowestScriptsSection(rows: readonly TimelineRow[]): Html {
  const scripts = rows
    .filter((row) => row.kind === 'script')
    .map((row, order) => ({ row, order }))
    .sort((a, b) => b.row.durationMs - a.row.durationMs || a.order - b.order)
    .slice(0, SLOWEST_SCRIPTS)
  if (scripts.length === 0)
    return html`<section><h2>Slowest scripts</h2><p class="none">No hook scripts ran.</p></section>\n`
  const body = scripts.map(({ row }) => {
    const duration = formatDuration(row.durationMs)
    return html`<tr class="${row.status}"><td>${row.name}</td><td>${row.detail}</td><td class="num">${duration}</td><td>${resultOf(row)}</td></tr>\n`
  })
  return html`<section><h2>Slowest scripts</h2>
<table><thead><tr><th>Script</th><th>Element</th><th>Duration</th><th>Result</th></tr></thead>
<tbody>
${body}</tbody></table>
</section>
`
}

function resultOf(row: TimelineRow): string {
  if (row.status === 'unfinished') return 'did not finish'
  if (row.status === 'ok') return 'ok'
  return row.exitCode === undefined ? 'failed' : `failed (exit ${row.exitCode})`
}

export function warningsSection(warnings: readonly WarningRow[]): Html {
  const body =
    warnings.length === 0
      ? html`<p class="none">No warnings.</p>`
      : html`<ul class="warnings">
${warnings.map((w) => html`<li><span class="at">${offset(w.offsetMs)}</span> ${w.message}</li>\n`)}</ul>`
  return html`<section><h2>Warnings (${warnings.length})</h2>
${body}
</section>
`
}

export function artifactsSection(artifacts: readonly ArtifactRow[]): Html {
  if (artifacts.length === 0)
    return html`<section><h2>Artifacts</h2><p class="none">No files were written.</p></section>\n`
  const body = artifacts.map(
    (a) =>
      html`<tr><td>${a.path}</td><td>${a.format}</td><td class="num">${formatBytes(a.bytes)}</td></tr>\n`,
  )
  return html`<section><h2>Artifacts</h2>
<table><thead><tr><th>Path</th><th>Format</th><th>Size</th></tr></thead>
<tbody>
${body}</tbody></table>
</section>
`
}

export function resourcesSection(resources: readonly ResourceRow[]): Html {
  if (resources.length === 0)
    return html`<section><h2>Resources</h2><p class="none">No loop devices or mounts were taken.</p></section>\n`
  const leaked = resources.filter(isUnreleased).length
  const flag =
    leaked === 0
      ? ''
      : html`<p class="leak-flag">${leaked} resource(s) acquired but never released: run "imagewright cleanup"</p>\n`
  const body = resources.map((r) => {
    const released = isUnreleased(r) ? html`<strong>never released</strong>` : offset(r.releasedMs)
    const acquired = r.acquiredMs === undefined ? 'before this log' : offset(r.acquiredMs)
    return html`<tr${isUnreleased(r) ? html` class="leak"` : ''}><td>${r.resource}</td><td class="num">${acquired}</td><td class="num">${released}</td></tr>\n`
  })
  return html`<section><h2>Resources</h2>
${flag}<table><thead><tr><th>Resource</th><th>Acquired</th><th>Released</th></tr></thead>
<tbody>
${body}</tbody></table>
</section>
`
}

export function outputTailSection(lines: readonly OutputLine[]): Html {
  if (lines.length === 0)
    return html`<section><h2>Last output</h2><p class="none">No command output was recorded.</p></section>\n`
  const text: Html[] = []
  let label: string | undefined
  for (const line of lines) {
    if (line.label !== label) text.push(html`<span class="source">── ${line.label} ──</span>\n`)
    label = line.label
    text.push(
      line.stream === 'stderr'
        ? html`<span class="stderr">${line.line}</span>\n`
        : html`${line.line}\n`,
    )
  }
  return html`<section><h2>Last output before the failure (${lines.length} lines)</h2>
<pre class="output">${text}</pre>
</section>
`
}
