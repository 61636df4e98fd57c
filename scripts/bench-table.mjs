// The pure part of the side-by-side benchmark (bench-dib.mjs): which rows the table has, the
// targets of issue #11 beside them, and the Markdown. No I/O here, so it is unit-tested
// (test/unit/bench/bench-table.test.ts).

/**
 * The steps of one sequence, in the order they run (each builder runs each step): the ones the
 * targets judge first, the warm full build last (the edits only change what it builds).
 */
export const STEPS = [
  'cold',
  'noop',
  'finalise',
  'postinstall',
  'boot',
  'install',
  'warm',
  'coldvm',
]

/** Steps only imagewright runs (DIB has no such element); the row compares with DIB's cold build. */
export const IW_ONLY_STEPS = ['coldvm']

/**
 * One table row each. `value(results, builder)` picks a measurement: a number, an error text,
 * or undefined (not measured). Targets compare imagewright with DIB (`ratio`: at most `max`
 * times DIB's) or with a fixed number (`absolute`).
 */
export const ROWS = [
  {
    label: 'cold build (empty image cache)',
    unit: 's',
    value: seconds('cold'),
    target: { kind: 'ratio', max: 0.4, text: '≤ 0.4× DIB' },
  },
  {
    label:
      'cold build with the opt-in initramfs-vm element (a lean initramfs; DIB: its cold build)',
    unit: 's',
    value: (results, builder) =>
      builder === 'iw' ? seconds('coldvm')(results, builder) : seconds('cold')(results, builder),
    target: { kind: 'ratio', max: 0.4, text: '≤ 0.4× DIB' },
  },
  {
    label: 'warm build (same build again; imagewright with --no-cache)',
    unit: 's',
    value: seconds('warm'),
  },
  {
    label: 'no-op rebuild (same build again)',
    unit: 's',
    value: seconds('noop'),
    target: { kind: 'absolute', max: 5, text: '≤ 5 s' },
  },
  {
    label: 'edit of one finalise.d script',
    unit: 's',
    value: seconds('finalise'),
    target: { kind: 'ratio', max: 0.1, text: '≤ 0.1× DIB' },
  },
  {
    label: 'edit of one post-install.d script',
    unit: 's',
    value: seconds('postinstall'),
    target: { kind: 'ratio', max: 0.1, text: '≤ 0.1× DIB' },
  },
  { label: 'edit of one install.d script', unit: 's', value: seconds('install') },
  {
    label: 'image size (qcow2, cold build)',
    unit: 'MiB',
    value: (results, builder) => measured(results, builder, 'cold', 'sizeMiB'),
    target: { kind: 'ratio', max: 1, text: '≤ DIB' },
  },
  {
    label: 'boot to login prompt (the image after the finalise.d and post-install.d edits)',
    unit: 's',
    value: seconds('boot'),
  },
  {
    label: 'peak RSS of the builder (its largest process, as GNU time reports it)',
    unit: 'MB',
    value: builderPeakRss,
    target: { kind: 'absolute', max: 150, text: '≤ 150 MB' },
  },
  {
    label: 'peak memory of the whole build process tree (sum of PSS)',
    unit: 'MB',
    value: peakOf('peakTreeMB'),
  },
]

function seconds(step) {
  return (results, builder) => measured(results, builder, step, 'seconds')
}

/** A build's field, its error text when it failed, or undefined when it did not run. */
function measured(results, builder, step, field) {
  const run = results[builder]?.[step]
  if (run === undefined) return undefined
  if (run.error !== undefined) return run.error
  return run[field]
}

/** The largest value over every build of the builder (boots excluded: QEMU is not the builder). */
function peakOf(field) {
  return (results, builder) => {
    const values = STEPS.filter((step) => step !== 'boot')
      .map((step) => results[builder]?.[step]?.[field])
      .filter((v) => typeof v === 'number')
    return values.length === 0 ? undefined : Math.max(...values)
  }
}

/**
 * GNU time's maximum resident set size over the builder's builds. A run measured before the
 * benchmark used GNU time has only the VmHWM sampled every 200 ms, a lower bound: shown as one.
 */
function builderPeakRss(results, builder) {
  const exact = peakOf('maxRssMB')(results, builder)
  if (exact !== undefined) return exact
  const sampled = peakOf('peakProcessMB')(results, builder)
  return sampled === undefined ? undefined : `≥ ${sampled.toFixed(0)} MB (sampled)`
}

/** "pass", "FAIL", "not measured" or "" (no target) for imagewright's value against DIB's. */
export function evaluateTarget(target, dib, iw) {
  if (target === undefined) return ''
  if (typeof iw !== 'number') return 'not measured'
  if (target.kind === 'absolute') return iw <= target.max ? 'pass' : 'FAIL'
  if (typeof dib !== 'number') return 'not measured'
  return iw <= target.max * dib ? 'pass' : 'FAIL'
}

/** A cell: "315 s", "12.4 MB", an error text, or "not measured". */
export function formatValue(value, unit) {
  if (value === undefined) return 'not measured'
  if (typeof value === 'string') return value.replaceAll('|', '/')
  const digits = unit === 's' && value < 10 ? 1 : 0
  return `${value.toFixed(digits)} ${unit}`
}

export function formatRatio(dib, iw) {
  if (typeof dib !== 'number' || typeof iw !== 'number' || dib === 0) return ''
  return `${(iw / dib).toFixed(2)}×`
}

/** The Markdown table of `results` ({ dib: { step: run }, iw: { step: run } }), under `header` lines. */
export function formatTable(results, header) {
  const lines = [
    ...header,
    '',
    '| | DIB 3.13 | imagewright | imagewright ÷ DIB | target | |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const row of ROWS) {
    const dib = row.value(results, 'dib')
    const iw = row.value(results, 'iw')
    lines.push(
      `| ${row.label} | ${formatValue(dib, row.unit)} | ${formatValue(iw, row.unit)} | ${formatRatio(dib, iw)} | ${row.target?.text ?? ''} | ${evaluateTarget(row.target, dib, iw)} |`,
    )
  }
  return `${lines.join('\n')}\n`
}
