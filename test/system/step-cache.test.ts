// The step cache end to end with the host-os element: a cold build stores its steps, the same
// build again is its stored image, an edit of an install.d, post-install.d or finalise.d script
// re-runs only from that phase and shows in the image, an environment variable is a miss from
// root.d, and two concurrent builds of the same inputs share the cache. plan and
// `cache ls/prune` see the same cache. (A changed package index: cache-package-index.test.ts.)
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BuildEvent } from '../../src/report/events.ts'
import { DIB_BIN, IW_BIN, hostSnapshot, runCli, type HostSnapshot } from '../helpers/cli.ts'
import { hostOsEnv, makeTestWork } from '../helpers/host-os-work.ts'

let work: string
let before: HostSnapshot

const installScript = (value: string): string =>
  `#!/bin/bash\nset -eu\nset -o pipefail\necho ${value} > /etc/marker\necho "\${DIB_MARKER_FLAVOUR:-plain}" > /etc/flavour\n`
const postInstallScript = (value: string): string =>
  `#!/bin/bash\nset -eu\necho ${value} > /etc/post\n`
// The finalise script reads a file an extra-data.d hook left in the hooks tree: a restored
// build directory must bring it back, though the hooks tree is staged again after a restore.
const finaliseScript = (value: string): string =>
  `#!/bin/bash\nset -eu\necho "${value} $(cat /tmp/in_target.d/left-by-extra-data)" > /etc/finalised\n`

function write(rel: string, content: string): void {
  const path = join(work, 'elements', 'marker', rel)
  writeFileSync(path, content)
  chmodSync(path, 0o755)
}

beforeAll(() => {
  ;({ work, before } = makeTestWork('iw-step-cache-', ['out', 'cache', 'a', 'b']))
  for (const dir of ['install.d', 'post-install.d', 'extra-data.d', 'finalise.d'])
    mkdirSync(join(work, 'elements', 'marker', dir), { recursive: true })
  write('install.d/20-write-marker', installScript('first'))
  write('post-install.d/30-write-post', postInstallScript('post-first'))
  write(
    'extra-data.d/10-leave-note',
    '#!/bin/bash\nset -eu\necho noted > "$TMP_HOOKS_PATH/left-by-extra-data"\n',
  )
  write('finalise.d/90-finalised', finaliseScript('fin-first'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...hostOsEnv(work),
  DIB_IMAGE_CACHE: join(work, 'cache'),
  IMAGEWRIGHT_NO_CACHE: '0',
  // The host-os phases take milliseconds: store every step, so each restore point is tested.
  IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS: '0',
  OVERWRITE_OLD_IMAGE: '1',
  ...extra,
})

interface Built {
  readonly events: BuildEvent[]
  readonly seconds: number
}

async function build(
  name: string,
  options: { extraEnv?: Record<string, string>; cwd?: string } = {},
): Promise<Built> {
  const log = join(work, `${name}.jsonl`)
  const started = performance.now()
  const output = options.cwd === undefined ? join(work, 'out', 'img') : 'img'
  const result = await runCli(DIB_BIN, {
    args: ['-n', '-o', output, '-t', 'tar', '--json-log', log, 'host-os', 'marker'],
    env: env(options.extraEnv),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as BuildEvent)
  return { events, seconds: (performance.now() - started) / 1000 }
}

const of = <K extends BuildEvent['kind']>(
  events: BuildEvent[],
  kind: K,
): Extract<BuildEvent, { kind: K }>[] =>
  events.filter((e): e is Extract<BuildEvent, { kind: K }> => e.kind === kind)
const scriptsRun = (events: BuildEvent[]): string[] =>
  of(events, 'script-end').map((e) => `${e.phase}/${e.script}`)
const hits = (events: BuildEvent[]): string[] =>
  of(events, 'cache-hit').map((e) => e.what.replace(/ \(stored .*\)$/, ''))
const misses = (events: BuildEvent[]): string[][] =>
  of(events, 'cache-miss').map((e) => [e.step, e.reason])
const member = (file: string, tar = join(work, 'out', 'img.tar')): string =>
  execFileSync('tar', ['-xOf', tar, `./etc/${file}`], { encoding: 'utf8' })
const times: string[] = []

describe('step cache', () => {
  it('stores a cold build step by step and reuses the image of an unchanged one', async () => {
    const cold = await build('cold')
    expect(misses(cold.events)).toEqual([
      ['image', 'not stored yet'],
      ['tree', 'not stored yet'],
      ['post-install', 'not stored yet'],
      ['install', 'not stored yet'],
      ['root', 'not stored yet'],
    ])
    expect(scriptsRun(cold.events)).toContain('root.d/10-host-os-root')
    // post-root.d changed nothing: the finished tree is the stored post-install.d archive,
    // linked, not packed again (the finalise.d edit below restores from it).
    expect(of(cold.events, 'info').map((e) => e.message)).toContain(
      'Cache: the build directory has not changed since the build directory after post-install.d was stored: the finished tree after post-root.d shares its archive',
    )
    const archives = readdirSync(join(work, 'cache', 'imagewright-steps', 'entries')).map(
      (key) =>
        statSync(join(work, 'cache', 'imagewright-steps', 'entries', key, 'build-dir.tar.zst'), {
          throwIfNoEntry: false,
        })?.ino,
    )
    expect(new Set(archives.filter((ino) => ino !== undefined)).size).toBe(3)
    expect(member('marker')).toBe('first\n')
    expect(member('finalised')).toBe('fin-first noted\n')
    const coldTar = readFileSync(join(work, 'out', 'img.tar'))

    // Unchanged: the stored image, nothing run, in seconds.
    const warm = await build('warm')
    expect(hits(warm.events)).toEqual([expect.stringMatching(/^image /)])
    expect(scriptsRun(warm.events)).toEqual([])
    expect(readFileSync(join(work, 'out', 'img.tar')).equals(coldTar)).toBe(true)
    expect(warm.seconds).toBeLessThan(15)
    times.push(`cold ${cold.seconds.toFixed(1)} s`, `unchanged ${warm.seconds.toFixed(1)} s`)

    // plan sees the same keys, and names the input an environment change touches.
    const plan = await runCli(IW_BIN, {
      args: ['plan', '-n', '-o', join(work, 'out', 'img'), '-t', 'tar', 'host-os', 'marker'],
      env: env({ DIB_CACHE_TEST_SETTING: 'on' }),
    })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(
      /^ {2}root {10}miss {2}[0-9a-f]{12} {2}changed: env DIB_CACHE_TEST_SETTING \(new\)$/m,
    )
    expect(plan.stdout).toMatch(
      /^ {2}post-install {2}miss {2}[0-9a-f]{12} {2}an earlier step changed$/m,
    )
    const samePlan = await runCli(IW_BIN, {
      args: ['plan', '-n', '-o', join(work, 'out', 'img'), '-t', 'tar', 'host-os', 'marker'],
      env: env(),
    })
    expect(samePlan.stdout).toMatch(/^ {2}image {9}hit /m)
  })

  it('re-runs from the phase whose script was edited: install.d, post-install.d, finalise.d', async () => {
    write('install.d/20-write-marker', installScript('second'))
    const install = await build('install-edited')
    expect(hits(install.events)).toEqual(['root tree after root.d'])
    expect(misses(install.events).map(([step]) => step)).toEqual([
      'image',
      'tree',
      'post-install',
      'install',
    ])
    expect(misses(install.events)[3]?.[1]).toBe(
      'changed: element marker: install.d/20-write-marker',
    )
    expect(scriptsRun(install.events)).not.toContain('root.d/10-host-os-root')
    expect(scriptsRun(install.events)).toEqual(
      expect.arrayContaining(['install.d/20-write-marker', 'finalise.d/90-finalised']),
    )
    expect(member('marker')).toBe('second\n')

    write('post-install.d/30-write-post', postInstallScript('post-second'))
    const post = await build('post-install-edited')
    expect(hits(post.events)).toEqual(['build directory after install.d'])
    expect(misses(post.events)[2]).toEqual([
      'post-install',
      'changed: element marker: post-install.d/30-write-post',
    ])
    expect(scriptsRun(post.events)).not.toContain('install.d/20-write-marker')
    expect(scriptsRun(post.events)).toContain('post-install.d/30-write-post')
    expect([member('marker'), member('post')]).toEqual(['second\n', 'post-second\n'])

    write('finalise.d/90-finalised', finaliseScript('fin-second'))
    const fin = await build('finalise-edited')
    expect(hits(fin.events)).toEqual(['finished tree after post-root.d'])
    expect(misses(fin.events)).toEqual([
      ['image', 'changed: element marker: finalise.d/90-finalised'],
    ])
    expect(
      scriptsRun(fin.events).every((s) =>
        /^(block-device|pre-finalise|finalise|cleanup)\.d\//.test(s),
      ),
    ).toBe(true)
    // The file extra-data.d left in the hooks tree came back with the restored build directory.
    expect(member('finalised')).toBe('fin-second noted\n')
    times.push(
      `install.d edited ${install.seconds.toFixed(1)} s`,
      `post-install.d edited ${post.seconds.toFixed(1)} s`,
      `finalise.d edited ${fin.seconds.toFixed(1)} s`,
    )
  })

  it('an environment variable an element reads is a miss from root.d, named, and its value reaches the image', async () => {
    const changed = await build('env-changed', { extraEnv: { DIB_MARKER_FLAVOUR: 'spicy' } })
    expect(hits(changed.events)).toEqual([])
    expect(misses(changed.events).at(-1)).toEqual(['root', 'changed: env DIB_MARKER_FLAVOUR (new)'])
    expect(scriptsRun(changed.events)).toContain('root.d/10-host-os-root')
    expect(member('flavour')).toBe('spicy\n')
  })

  it('two concurrent builds of the same inputs both succeed and store each step once', async () => {
    const entries = (): string[] => readdirSync(join(work, 'cache', 'imagewright-steps', 'entries'))
    const already = entries()
    const started = performance.now()
    const [a, b] = await Promise.all([
      build('concurrent-a', { cwd: join(work, 'a') }),
      build('concurrent-b', { cwd: join(work, 'b') }),
    ])
    times.push(`two concurrent ${((performance.now() - started) / 1000).toFixed(1)} s`)
    // Whichever stored a step first, the other found it or discarded its own copy: one entry per key.
    const stored = [a, b]
      .flatMap((x) => of(x.events, 'info'))
      .filter((e) => /^Cache: stored /.test(e.message))
    expect(stored).toHaveLength(5)
    expect(entries().filter((e) => !already.includes(e))).toHaveLength(5)
    expect(readdirSync(join(work, 'cache', 'imagewright-steps', 'tmp'))).toEqual([])
    for (const dir of ['a', 'b'])
      expect(member('marker', join(work, dir, 'img.tar'))).toBe('second\n')
    const third = await build('concurrent-again', { cwd: join(work, 'a') })
    expect(hits(third.events)).toEqual([expect.stringMatching(/^image /)])
  })

  it('cache ls lists every entry; prune --all empties it and nothing is left on the host', async () => {
    // For docs/cache.md: what each build took here.
    console.log(`step cache, host-os tar: ${times.join(', ')}`)
    const count = readdirSync(join(work, 'cache', 'imagewright-steps', 'entries')).length
    const ls = await runCli(IW_BIN, { args: ['cache', 'ls'], env: env() })
    expect(ls.stdout).toContain(`${count} entries`)
    const pruned = await runCli(IW_BIN, { args: ['cache', 'prune', '--all'], env: env() })
    expect(pruned.stdout).toMatch(new RegExp(`^Removed ${count} entries`))
    expect(hostSnapshot(work)).toEqual(before)
  })
})
