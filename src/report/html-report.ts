// The HTML view of a build's events: one self-contained page (inline CSS, no scripts, nothing
// fetched) with the outcome, a timeline of steps and scripts, the slowest scripts, warnings,
// artifacts, resources and, for a failed build, the last output. A pure function of its input.
import type { TimedEvent } from './events.ts'
import { html, trustedHtml, type Html } from './html.ts'
import {
  artifactsSection,
  formatDuration,
  outputTailSection,
  resourcesSection,
  slowestScriptsSection,
  timelineSection,
  warningsSection,
} from './html-sections.ts'
import type { BuildOutcome } from './outcome.ts'
import {
  bootConsoleSection,
  cacheHitsSection,
  CONTENTS_STYLE,
  diskLayoutSection,
  packagesSection,
  spaceSection,
} from './html-contents.ts'
import { collectContents } from './report-contents.ts'
import { collectArtifacts, collectWarnings, outputTail, pairResources } from './report-summary.ts'
import { buildTimeline, findBuildEnd } from './timeline.ts'

export const OUTPUT_TAIL_LINES = 50

/** `outcome` overrides what the build-end event says (or stands in for a missing one). */
export function renderHtmlReport(events: readonly TimedEvent[], outcome?: BuildOutcome): string {
  const timeline = buildTimeline(events)
  const end = findBuildEnd(events)
  const result = outcome ?? (end === undefined ? undefined : outcomeOfEnd(end.event))
  const durationMs = end?.event.durationMs ?? timeline.spanMs
  const summary = result === undefined ? 'outcome unknown' : result.ok ? 'succeeded' : 'failed'
  const contents = collectContents(events, timeline.origin)
  const sections = [
    timelineSection(timeline),
    slowestScriptsSection(timeline.rows),
    cacheHitsSection(contents.cacheHits),
    warningsSection(collectWarnings(events, timeline.origin)),
    artifactsSection(collectArtifacts(events)),
    diskLayoutSection(contents.disk),
    spaceSection(contents.space),
    packagesSection(contents.packages),
    bootConsoleSection(contents.console),
    resourcesSection(pairResources(events, timeline.origin)),
    result?.ok === true ? undefined : outputTailSection(outputTail(events, OUTPUT_TAIL_LINES)),
  ]
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imagewright build report: ${summary}</title>
<style>${trustedHtml(STYLE + CONTENTS_STYLE)}</style>
</head>
<body>
<header>
<h1>imagewright build report</h1>
${outcomeLine(result)}
<dl>
<dt>Started (UTC)</dt><dd>${events.length === 0 ? 'no events were recorded' : new Date(timeline.origin).toISOString()}</dd>
<dt>Duration</dt><dd>${formatDuration(durationMs)}</dd>
<dt>Events</dt><dd>${events.length}</dd>
</dl>
</header>
<main>
${sections}</main>
</body>
</html>
`
  return page.text
}

function outcomeOfEnd(end: {
  readonly ok: boolean
  readonly error?: { readonly code: string; readonly message: string }
}): BuildOutcome {
  if (end.ok) return { ok: true }
  return {
    ok: false,
    code: end.error?.code ?? 'ERR_UNKNOWN',
    message: end.error?.message ?? 'the build failed',
  }
}

function outcomeLine(outcome: BuildOutcome | undefined): Html {
  if (outcome === undefined)
    return html`<p class="outcome unknown">Outcome unknown: the events end before the build did</p>`
  if (outcome.ok) return html`<p class="outcome ok">Build succeeded</p>`
  return html`<p class="outcome failed">Build failed: <code>${outcome.code}</code></p>
<pre class="error">${outcome.message}</pre>`
}

const STYLE = `
:root { --ok: #3b76c4; --script: #5a9e5a; --failed: #d2382f; --unfinished: #e09b20; --grid: #e4e4e4; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; background: #fff; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; border-bottom: 1px solid var(--grid); }
dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: .5em 0; }
dt { color: #666; } dd { margin: 0; }
.outcome { font-size: 1.2em; font-weight: 600; margin: .3em 0; }
.outcome.ok { color: var(--script); } .outcome.failed { color: var(--failed); } .outcome.unknown { color: var(--unfinished); }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
pre.error { border-left: 4px solid var(--failed); }
.timeline { border: 1px solid var(--grid); }
.row { display: grid; grid-template-columns: minmax(18em, 34%) 1fr; border-top: 1px solid var(--grid); }
.row.scale { border-top: 0; height: 1.5em; }
.label { padding: .15em .4em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row.script .label { font-size: .92em; }
.detail, .dur, .at { color: #777; } .status { color: var(--failed); font-weight: 600; }
.row.unfinished .status { color: var(--unfinished); }
.track { position: relative; background: repeating-linear-gradient(90deg, transparent 0 calc(25% - 1px), var(--grid) calc(25% - 1px) 25%); }
.tick { position: absolute; top: .2em; font-size: .8em; color: #777; transform: translateX(-50%); }
.tick:first-child { transform: none; } .tick:last-child { transform: translateX(-100%); }
.bar { position: absolute; top: 22%; height: 56%; min-width: 2px; border-radius: 2px; background: var(--ok); }
.row.script .bar { background: var(--script); }
.row.failed .bar { background: var(--failed); }
.row.unfinished .bar { background: repeating-linear-gradient(45deg, var(--unfinished) 0 6px, #f3c971 6px 12px); }
table { border-collapse: collapse; } th, td { text-align: left; padding: .2em .8em .2em 0; border-bottom: 1px solid var(--grid); }
td.num { text-align: right; white-space: nowrap; }
tr.failed td, tr.leak td { color: var(--failed); }
.leak-flag { color: var(--failed); font-weight: 600; }
.none { color: #777; }
.output .source { color: #777; } .output .stderr { color: #a0302a; }
`
