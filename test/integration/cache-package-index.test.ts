// A changed package index invalidates the cache: the step keys of a Debian build read the
// Release file of every apt suite of the build (here a file:// mirror whose bookworm-security
// suite publishes an update), and a suite that cannot be read turns the cache off rather than
// let an old result stand for an unknown index.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatherStepFacts } from '../../src/cache/input-facts.ts'
import { changedInputs, stepInputs, type StepInputs } from '../../src/cache/step-keys.ts'
import { parseDibCommandLine } from '../../src/cli/dib-options.ts'
import type { BuildOptions } from '../../src/config/build-options.ts'
import type { ResolvedRelease } from '../../src/element-tools/debian-release/resolve.ts'
import { REPO } from './elements-shell-fixture.ts'

let work: string
let mirror: string

function publish(suite: string, codename: string, date: string): void {
  mkdirSync(join(work, 'mirror', 'dists', suite), { recursive: true })
  const head = [
    `Origin: Debian`,
    `Suite: ${suite}`,
    'Version: 12.12',
    `Codename: ${codename}`,
    `Date: ${date}`,
    'Architectures: amd64',
    'Components: main',
    'SHA256:',
  ]
  writeFileSync(
    join(work, 'mirror', 'dists', suite, 'Release'),
    `${head.join('\n')}\n 0123 100 main/binary-amd64/Packages\n`,
  )
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-cache-index-'))
  mirror = `file://${join(work, 'mirror')}`
  publish('bookworm', 'bookworm', 'Sat, 08 Nov 2026 10:00:00 UTC')
  publish('bookworm-security', 'bookworm-security', 'Fri, 04 Dec 2026 18:00:00 UTC')
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function options(extraEnv: Record<string, string> = {}): BuildOptions {
  const command = parseDibCommandLine(['-o', join(work, 'img'), 'debian-minimal', 'vm'], {
    DIB_IMAGE_CACHE: join(work, 'cache'),
    DIB_RELEASE: 'bookworm',
    ...extraEnv,
  })
  if (command.kind !== 'build') throw new Error('not a build command line')
  return command.options
}

const release = (suites: readonly string[]): ResolvedRelease => ({
  distro: 'debian',
  requested: 'bookworm',
  codename: 'bookworm',
  suite: 'stable',
  version: '12.12',
  date: undefined,
  source: 'mirror',
  expired: false,
  mirror,
  sourcesConf: suites.map((suite) => `${suite}:deb ${mirror} ${suite} main`).join('\n'),
})

async function steps(
  suites: readonly string[] = ['bookworm', 'bookworm-security'],
  extraEnv: Record<string, string> = {},
): Promise<StepInputs[]> {
  const gathered = await gatherStepFacts(options(extraEnv), [], release(suites), 'salt')
  if (!gathered.ok) throw new Error(gathered.reason)
  return stepInputs(gathered.facts)
}

describe('package index as a cache input', () => {
  it('an unchanged index keeps every key; a security update changes them all and is named', async () => {
    const before = await steps()
    expect((await steps()).map((s) => s.key)).toEqual(before.map((s) => s.key))

    publish('bookworm-security', 'bookworm-security', 'Sat, 05 Dec 2026 06:00:00 UTC')
    const after = await steps()
    for (const [i, step] of after.entries()) expect(step.key, step.step).not.toBe(before[i]?.key)
    expect(changedInputs(before[0]!.parts, after[0]!.parts)).toEqual([
      'package index bookworm-security',
    ])
  })

  it('a suite that cannot be read turns the cache off instead of reusing a result', async () => {
    const gathered = await gatherStepFacts(
      options(),
      [],
      release(['bookworm', 'bookworm-updates']),
      'salt',
    )
    expect(gathered).toEqual({
      ok: false,
      reason: 'the apt suites cannot be read, so a changed package index could not be told',
    })
  })

  it('DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE=1: the tarball root.d saved keys the root as the bootstrap that made it; an older one never does', async () => {
    const useTarball = { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' }
    const cold = await steps(undefined, useTarball)
    // What the debootstrap element records beside its tarball before bootstrapping.
    const tarball = join(work, 'cache', 'debootstrap-debian-bookworm-amd64.tar.gz')
    const recordNow = (): string =>
      execFileSync(join(REPO, 'libexec', 'debian-release'), ['--package-index'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          DIB_RELEASE: 'bookworm',
          DIB_DISTRIBUTION_MIRROR: mirror,
          DIB_APT_SOURCES_CONF: release(['bookworm', 'bookworm-security']).sourcesConf,
          DIB_IMAGE_CACHE: join(work, 'cache'),
        },
      })
    const saveTarball = (record: string): void => {
      writeFileSync(tarball, 'a root')
      const lines = record
        .trim()
        .split('\n')
        .map((line) => `package-index=${line}`)
      writeFileSync(`${tarball}.settings`, ['variant=minbase', ...lines, ''].join('\n'))
    }
    saveTarball(recordNow())
    const noOp = await steps(undefined, useTarball)
    expect(noOp.map((s) => s.key)).toEqual(cold.map((s) => s.key))

    // A security update since the tarball was saved: root.d would unpack the old root.
    publish('bookworm-security', 'bookworm-security', 'Sun, 06 Dec 2026 06:00:00 UTC')
    const stale = await steps(undefined, useTarball)
    expect(changedInputs(noOp[0]!.parts, stale[0]!.parts)).toEqual([
      'package index bookworm-security',
    ])
    rmSync(tarball)
    rmSync(`${tarball}.settings`)
    const bootstrapped = await steps(undefined, useTarball)
    expect(changedInputs(bootstrapped[0]!.parts, stale[0]!.parts)).toEqual([
      'base root package index',
    ])
    // Saved again from today's indexes: the key of a fresh bootstrap.
    saveTarball(recordNow())
    expect((await steps(undefined, useTarball))[0]!.key).toBe(bootstrapped[0]!.key)
  })
})
