import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BuildEvent } from '../../../../src/report/events.ts'
import { foldAptLine, NO_APT_PROGRESS } from '../../../../src/report/progress/apt-progress.ts'
import {
  readTimings,
  remainingMs,
  timingsPath,
  TimingsRecorder,
} from '../../../../src/report/progress/estimate.ts'
import {
  foldProgress,
  initialProgress,
  type ProgressState,
} from '../../../../src/report/progress/progress-state.ts'
import { bar, clock, renderProgress } from '../../../../src/report/progress/render-progress.ts'

function play(events: readonly (readonly [number, BuildEvent])[]): ProgressState {
  return events.reduce((state, [at, event]) => foldProgress(state, event, at), initialProgress(0))
}

const HOOK = 'install.d/01-install-packages (element package-installs)'

describe('apt progress from its own lines', () => {
  it('counts the download against "Need to get" and packages against "newly installed"', () => {
    const lines = [
      '0 upgraded, 3 newly installed, 0 to remove and 0 not upgraded.',
      'Need to get 2,500 kB of archives.',
      'Get:1 http://deb.debian.org/debian trixie/main amd64 libfoo amd64 1.0-1 [1,000 kB]',
      'Get:2 http://deb.debian.org/debian trixie/main amd64 bar all 2.0 [500 kB]',
      'Unpacking libfoo:amd64 (1.0-1) ...',
      'Setting up libfoo:amd64 (1.0-1) ...',
      'Selecting previously unselected package bar.',
    ]
    const apt = lines.reduce(foldAptLine, NO_APT_PROGRESS)
    expect(apt).toEqual({
      packagesTotal: 3,
      downloadTotalBytes: 2_500_000,
      downloadedBytes: 1_500_000,
      fetched: 2,
      unpacked: 1,
      configured: 1,
    })
  })
})

describe('the live view', () => {
  it('shows the phase, the script with its element and time, apt bars and the last line', () => {
    const state = play([
      [0, { kind: 'step-start', step: 'phase install.d', detail: '3 script(s)' }],
      [1000, { kind: 'command', label: HOOK, argv: ['x'] }],
      [
        1500,
        {
          kind: 'output',
          label: HOOK,
          stream: 'stdout',
          line: '0 upgraded, 4 newly installed, 0 to remove and 0 not upgraded.',
        },
      ],
      [
        1600,
        { kind: 'output', label: HOOK, stream: 'stdout', line: 'Need to get 1 MB of archives.' },
      ],
      [
        1700,
        {
          kind: 'output',
          label: HOOK,
          stream: 'stdout',
          line: 'Get:1 http://x trixie/main amd64 a amd64 1 [500 kB]',
        },
      ],
      [1800, { kind: 'output', label: HOOK, stream: 'stdout', line: 'Unpacking a (1) ...' }],
    ])
    const text = renderProgress(state, 61_000, 90_000, 200)
    expect(text.split('\n')).toEqual([
      '▶ phase install.d  1:01',
      '  install.d/01-install-packages (element package-installs)  1:00',
      `  ${bar(0.5)} apt download (0.5 MB of 1.0 MB, 1 archives)`,
      `  ${bar(1 / 8)} apt install (1 of 4 unpacked, 0 set up)`,
      '  │ Unpacking a (1) ...',
      '  elapsed 1:01, about 1:30 left (from the last build)',
    ])
  })

  it('draws task progress (copy, conversion) and forgets it when the step ends', () => {
    const copying = play([
      [0, { kind: 'step-start', step: 'create the disk' }],
      [10, { kind: 'step-end', step: 'create the disk', durationMs: 10, ok: true }],
      [20, { kind: 'step-start', step: 'copy the tree' }],
      [
        30,
        {
          kind: 'progress',
          task: 'copy the tree',
          done: 256 * 1024 * 1024,
          total: 1024 * 1024 * 1024,
          unit: 'bytes',
        },
      ],
    ])
    expect(renderProgress(copying, 5000, undefined)).toContain(
      `${bar(0.25)} copy the tree (256.0 MiB of 1024.0 MiB)`,
    )
    expect(renderProgress(copying, 5000, undefined)).toContain('elapsed 0:05')
    const done = foldProgress(
      copying,
      { kind: 'step-end', step: 'copy the tree', durationMs: 10, ok: true },
      40,
    )
    expect(renderProgress(done, 5000, undefined)).not.toContain('copy the tree')
    expect(done.finished).toEqual(
      new Map([
        ['create the disk', 10],
        ['copy the tree', 10],
      ]),
    )
  })

  it('fits every line to the terminal width', () => {
    const state = play([[0, { kind: 'step-start', step: `phase ${'x'.repeat(300)}` }]])
    for (const line of renderProgress(state, 0, undefined, 40).split('\n'))
      expect(line.length).toBeLessThanOrEqual(40)
  })

  it('formats clocks and bars', () => {
    expect(clock(3_723_000)).toBe('1:02:03')
    expect(clock(-5)).toBe('0:00')
    expect(bar(2)).toBe(`[${'#'.repeat(24)}] 100%`)
  })
})

describe('the estimate from the last build', () => {
  it("is what the unfinished steps took last time, less the running one's elapsed time", () => {
    const last = {
      totalMs: 100_000,
      steps: [
        { name: 'resolve elements', durationMs: 1000 },
        { name: 'phase root.d', durationMs: 60_000 },
        { name: 'create the disk', durationMs: 39_000 },
      ],
    }
    const state = play([
      [0, { kind: 'step-start', step: 'resolve elements' }],
      [1000, { kind: 'step-end', step: 'resolve elements', durationMs: 1000, ok: true }],
      [1000, { kind: 'step-start', step: 'phase root.d' }],
    ])
    expect(remainingMs(last, state, 21_000)).toBe(40_000 + 39_000)
    expect(remainingMs(last, state, 500_000)).toBe(39_000)
    expect(remainingMs(undefined, state, 0)).toBeUndefined()
  })

  it('keeps the top-level steps of a successful build in the image cache, per element set', () => {
    const cache = mkdtempSync(join(tmpdir(), 'iw-timings-'))
    try {
      const path = timingsPath(cache, {
        elements: ['vm', 'debian-minimal'],
        arch: 'amd64',
        types: ['qcow2'],
      })
      expect(path).toBe(
        timingsPath(cache, { elements: ['debian-minimal', 'vm'], arch: 'amd64', types: ['qcow2'] }),
      )
      expect(path).not.toBe(
        timingsPath(cache, { elements: ['debian-minimal'], arch: 'amd64', types: ['qcow2'] }),
      )
      const failed = new TimingsRecorder(path)
      failed.emit({ kind: 'build-end', ok: false, durationMs: 5 })
      expect(readTimings(path)).toBeUndefined()
      const recorder = new TimingsRecorder(path)
      for (const event of [
        { kind: 'step-start', step: 'phase root.d' },
        { kind: 'step-start', step: 'inner' },
        { kind: 'step-end', step: 'inner', durationMs: 5, ok: true },
        { kind: 'step-end', step: 'phase root.d', durationMs: 1000.4, ok: true },
        { kind: 'build-end', ok: true, durationMs: 1500.6 },
      ] as const satisfies readonly BuildEvent[])
        recorder.emit(event)
      expect(readTimings(path)).toEqual({
        totalMs: 1501,
        steps: [{ name: 'phase root.d', durationMs: 1000 }],
      })
    } finally {
      rmSync(cache, { recursive: true, force: true })
    }
  })
})
