// The step cache end to end with the host-os element: a cold build stores its steps, the same
// build again is its stored image, and an install.d edit re-runs only install.d onwards (root.d
// comes from the cache) and shows in the image. plan and `cache ls/prune` see the same cache.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuildEvent } from '../../src/report/events.ts'
import { DIB_BIN, HOST_OS_ELEMENTS, IW_BIN, hostSnapshot, runCli, type HostSnapshot } from '../helpers/cli.ts'

let work: string
let before: HostSnapshot

const installScript = (value: string): string => `#!/bin/bash\nset -eu\nset -o pipefail\necho ${value} > /etc/marker\n`

function writeInstall(value: string): void {
  const path = join(work, 'elements', 'marker', 'install.d', '20-write-marker')
  writeFileSync(path, installScript(value))
  chmodSync(path, 0o755)
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-step-cache-'))
  for (const dir of ['tmp', 'out', 'cache', 'elements/marker/install.d', 'elements/marker/finalise.d']) mkdirSync(join(work, dir), { recursive: true })
  writeInstall('first')
  writeFileSync(join(work, 'elements', 'marker', 'finalise.d', '90-finalised'), '#!/bin/bash\nset -eu\necho finalised > /etc/finalised\n', { mode: 0o755 })
  before = hostSnapshot(work)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ELEMENTS_PATH: `${join(work, 'elements')}:${HOST_OS_ELEMENTS}`,
  TMPDIR: join(work, 'tmp'),
  DIB_IMAGE_CACHE: join(work, 'cache'),
  IMAGEWRIGHT_NO_CACHE: '0',
  OVERWRITE_OLD_IMAGE: '1',
  ...extra,
})

async function build(name: string): Promise<{ events: BuildEvent[]; seconds: number }> {
  const log = join(work, `${name}.jsonl`)
  const started = performance.now()
  const result = await runCli(DIB_BIN, { args: ['-n', '-o', join(work, 'out', 'img'), '-t', 'tar', '--json-log', log, 'host-os', 'marker'], env: env() })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const events = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as BuildEvent)
  return { events, seconds: (performance.now() - started) / 1000 }
}

const of = <K extends BuildEvent['kind']>(events: BuildEvent[], kind: K): Extract<BuildEvent, { kind: K }>[] =>
  events.filter((e): e is Extract<BuildEvent, { kind: K }> => e.kind === kind)
const scriptsRun = (events: BuildEvent[]): string[] => of(events, 'script-end').map((e) => `${e.phase}/${e.script}`)
const marker = (): string => execFileSync('tar', ['-xOf', join(work, 'out', 'img.tar'), './etc/marker'], { encoding: 'utf8' })

describe('step cache', () => {
  it('stores a cold build, reuses the image unchanged, and re-runs only from install.d after an edit', async () => {
    const cold = await build('cold')
    expect(of(cold.events, 'cache-miss').map((e) => [e.step, e.reason])).toEqual([
      ['image', 'not stored yet'], ['tree', 'not stored yet'], ['root', 'not stored yet'],
    ])
    expect(scriptsRun(cold.events)).toContain('root.d/10-host-os-root')
    expect(marker()).toBe('first\n')
    const coldTar = readFileSync(join(work, 'out', 'img.tar'))

    // Unchanged: the stored image, nothing run, in seconds.
    const warm = await build('warm')
    expect(of(warm.events, 'cache-hit')).toHaveLength(1)
    expect(of(warm.events, 'cache-hit')[0]?.what).toMatch(/^image /)
    expect(scriptsRun(warm.events)).toEqual([])
    expect(readFileSync(join(work, 'out', 'img.tar')).equals(coldTar)).toBe(true)
    expect(warm.seconds).toBeLessThan(15)

    // plan sees the same keys, and names the input an environment change touches.
    const plan = await runCli(IW_BIN, { args: ['plan', '-n', '-o', join(work, 'out', 'img'), '-t', 'tar', 'host-os', 'marker'], env: env({ DIB_CACHE_TEST_SETTING: 'on' }) })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/^ {2}root {3}miss {2}[0-9a-f]{12} {2}changed: env DIB_CACHE_TEST_SETTING \(new\)$/m)
    const samePlan = await runCli(IW_BIN, { args: ['plan', '-n', '-o', join(work, 'out', 'img'), '-t', 'tar', 'host-os', 'marker'], env: env() })
    expect(samePlan.stdout).toMatch(/^ {2}image {2}hit /m)

    // One install.d edit: root.d comes from the cache; install.d onwards run; the image has the edit.
    writeInstall('second')
    const edited = await build('edited')
    expect(of(edited.events, 'cache-hit').map((e) => e.what)).toEqual([expect.stringMatching(/^root tree after root\.d/)])
    const misses = of(edited.events, 'cache-miss')
    expect(misses.map((e) => e.step)).toEqual(['image', 'tree'])
    expect(misses[1]?.reason).toBe('changed: element marker: install.d/20-write-marker')
    const ran = scriptsRun(edited.events)
    expect(ran).not.toContain('root.d/10-host-os-root')
    expect(ran).toEqual(expect.arrayContaining(['install.d/20-write-marker', 'finalise.d/90-finalised']))
    expect(marker()).toBe('second\n')
    // For docs/cache.md: what each build took here.
    console.log(`step cache, host-os tar: cold ${cold.seconds.toFixed(1)} s, unchanged ${warm.seconds.toFixed(1)} s, install.d edited ${edited.seconds.toFixed(1)} s`)

    // cache ls lists the three steps of each build; prune --all empties it.
    const ls = await runCli(IW_BIN, { args: ['cache', 'ls'], env: env() })
    expect(ls.stdout).toMatch(/5 entries/)
    const pruned = await runCli(IW_BIN, { args: ['cache', 'prune', '--all'], env: env() })
    expect(pruned.stdout).toMatch(/^Removed 5 entries/)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
