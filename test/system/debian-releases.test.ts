// DIB_RELEASE names: the stable alias set late by an element's environment.d file (as DIB's own
// test elements do), testing and bookworm each build, cheaply (a tar, no disk, no boot), and the
// image says which release it is and records it in its manifests. The three builds run at once;
// testing and bookworm bootstrap their own root, stable shares the default one. testing takes
// the default path (no DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE): it bootstraps on every run, the only
// build in CI that does, and it costs nothing on a fresh machine, where its root is made anyway.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, IW_BIN, TEST_CACHE, hostSnapshot, runCli, type CliResult, type HostSnapshot } from '../helpers/cli.ts'
import { writeElementTree } from '../helpers/element-tree.ts'

let work: string
let before: HostSnapshot
const builds = new Map<string, CliResult>()

const env = (extra: Record<string, string> = {}, bootstrap: 'cached' | 'default' = 'cached'): Record<string, string> => ({
  ELEMENTS_PATH: join(work, 'elements'),
  DIB_IMAGE_CACHE: TEST_CACHE,
  ...(bootstrap === 'cached' ? { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' } : {}),
  TMPDIR: join(work, 'tmp'),
  ...extra,
})
const tarText = (name: string, member: string): string =>
  execFileSync('tar', ['-xOf', join(work, `${name}.tar`), member], { encoding: 'utf8' })
const tarList = (name: string): string => execFileSync('tar', ['-tf', join(work, `${name}.tar`)], { encoding: 'utf8' })

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-releases-')
  mkdirSync(join(work, 'tmp'))
  // DIB's debian-minimal/test-elements/stable-build-succeeds, in substance: its file is
  // sourced after debian-minimal's, which once computed the apt sources for its own default.
  await writeElementTree(join(work, 'elements'), [
    { name: 'late-stable', files: { 'environment.d/10-set-distro.bash': 'export DISTRO_NAME=debian\nexport DIB_RELEASE=stable\n' } },
  ])
  before = hostSnapshot(work)
  const build = async (name: string, elements: string[], extra: Record<string, string> = {}, bootstrap: 'cached' | 'default' = 'cached'): Promise<void> => {
    const args = ['-t', 'tar', '-o', name, 'debian-minimal', 'manifests', ...elements]
    builds.set(name, await runCli(DIB_BIN, { args, env: env(extra, bootstrap), cwd: work }))
  }
  await Promise.all([
    build('stable', ['late-stable']),
    // This machine's mirror stopped updating testing: its Release file is past Valid-Until.
    build('testing', [], { DIB_RELEASE: 'testing', DIB_APT_ALLOW_EXPIRED: '1' }, 'default'),
    build('bookworm', [], { DIB_RELEASE: 'bookworm' }),
  ])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

function expectBuilt(name: string): CliResult {
  const result = builds.get(name)
  expect(result?.stderr).toBe('')
  expect(result?.code).toBe(0)
  return result as CliResult
}

/** The manifest record, from the image and from the copy beside it. */
function releaseRecord(name: string): Record<string, string> {
  const text = tarText(name, './etc/dib-manifests/debian-release')
  expect(readFileSync(join(work, `${name}.d`, 'dib-manifests', 'debian-release'), 'utf8')).toBe(text)
  return Object.fromEntries(text.split('\n').filter((line) => /^[a-z-]+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

describe('Debian releases', () => {
  it('shows what DIB_RELEASE stands for in the plan, after every environment.d file', async () => {
    const plan = await runCli(IW_BIN, { args: ['plan', 'debian-minimal', 'late-stable'], env: env({ DIB_RELEASE: 'bookworm' }), cwd: work })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/^Debian release: stable → trixie \(13\.\d+\), archive of \d{4}-\d\d-\d\d$/m)
  })

  it('builds stable set by a late environment.d file: trixie, with its sources and the manifest record', () => {
    const result = expectBuilt('stable')
    expect(result.stdout).toMatch(/Debian release: stable → trixie \(13\.\d+\)/)
    expect(tarText('stable', './usr/lib/os-release')).toMatch(/^VERSION_ID="13"$/m)
    expect(tarText('stable', './etc/apt/sources.list.d/default.list')).toBe('deb http://deb.debian.org/debian trixie main\n')
    expect(tarText('stable', './etc/apt/sources.list.d/security.list')).toBe('deb http://deb.debian.org/debian-security trixie-security main\n')
    const record = releaseRecord('stable')
    expect(record).toMatchObject({ requested: 'stable', codename: 'trixie', suite: 'stable' })
    expect(record['release-date']).toMatch(/^\w{3}, \d\d \w{3} \d{4} [\d:]{8} UTC$/)
  })

  it('builds testing on the default bootstrap path: forky, with the build-only exception for the stale mirror gone from the image', () => {
    const result = expectBuilt('testing')
    expect(process.env['DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE']).toBeUndefined()
    expect(result.stdout).toMatch(/Creating the debian forky root with (mmdebstrap|debootstrap)/)
    expect(result.stdout).not.toContain('Using the cached root')
    expect(tarText('testing', './etc/debian_version')).toMatch(/^forky\/sid$/m)
    expect(releaseRecord('testing')).toMatchObject({ requested: 'testing', codename: 'forky', suite: 'testing' })
    expect(tarList('testing')).not.toContain('00imagewright-build-expired')
    // forky has no isc-dhcp-client: ifupdown gets dhcpcd
    expect(tarText('testing', './var/lib/dpkg/status')).toContain('Package: dhcpcd-base\n')
  })

  it('builds bookworm by its codename', () => {
    expectBuilt('bookworm')
    expect(tarText('bookworm', './usr/lib/os-release')).toMatch(/^VERSION_ID="12"$/m)
    expect(releaseRecord('bookworm')).toMatchObject({ requested: 'bookworm', codename: 'bookworm', suite: 'oldstable' })
    expect(tarText('bookworm', './var/lib/dpkg/status')).toContain('Package: isc-dhcp-client\n')
    expect(hostSnapshot(work)).toEqual(before)
  })
})
