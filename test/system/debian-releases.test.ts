// DIB_RELEASE names: `plan` shows what the stable alias set late by an element's environment.d
// file (as DIB's own test elements do) stands for, and testing builds, cheaply (a tar, no disk,
// no boot); the image says which release it is and records it in its manifests. testing takes
// the default path (no DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE): it bootstraps on every run, the only
// build in CI that does, and it costs nothing on a fresh machine, where its root is made anyway.
// The stable alias set late and bookworm by its codename are built by
// test/system/seed-scripts.test.ts (its SysV and systemd images).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  IW_BIN,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { writeElementTree } from '../helpers/element-tree.ts'

let work: string
let before: HostSnapshot
const builds = new Map<string, CliResult>()

const env = (
  extra: Record<string, string> = {},
  bootstrap: 'cached' | 'default' = 'cached',
): Record<string, string> => ({
  ELEMENTS_PATH: join(work, 'elements'),
  DIB_IMAGE_CACHE: TEST_CACHE,
  ...(bootstrap === 'cached' ? { DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1' } : {}),
  TMPDIR: join(work, 'tmp'),
  ...extra,
})
const tarText = (name: string, member: string): string =>
  execFileSync('tar', ['-xOf', join(work, `${name}.tar`), member], { encoding: 'utf8' })
const tarList = (name: string): string =>
  execFileSync('tar', ['-tf', join(work, `${name}.tar`)], { encoding: 'utf8' })

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-releases-')
  mkdirSync(join(work, 'tmp'))
  // DIB's debian-minimal/test-elements/stable-build-succeeds, in substance: its file is
  // sourced after debian-minimal's, which once computed the apt sources for its own default.
  await writeElementTree(join(work, 'elements'), [
    {
      name: 'late-stable',
      files: {
        'environment.d/10-set-distro.bash':
          'export DISTRO_NAME=debian\nexport DIB_RELEASE=stable\n',
      },
    },
  ])
  before = hostSnapshot(work)
  const build = async (
    name: string,
    elements: string[],
    extra: Record<string, string> = {},
    bootstrap: 'cached' | 'default' = 'cached',
  ): Promise<void> => {
    const args = ['-t', 'tar', '-o', name, 'debian-minimal', 'manifests', ...elements]
    builds.set(name, await runCli(DIB_BIN, { args, env: env(extra, bootstrap), cwd: work }))
  }
  // This machine's mirror stopped updating testing: its Release file is past Valid-Until.
  await build('testing', [], { DIB_RELEASE: 'testing', DIB_APT_ALLOW_EXPIRED: '1' }, 'default')
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
  expect(readFileSync(join(work, `${name}.d`, 'dib-manifests', 'debian-release'), 'utf8')).toBe(
    text,
  )
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => /^[a-z-]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

describe('Debian releases', () => {
  it('shows what DIB_RELEASE stands for in the plan, after every environment.d file', async () => {
    const plan = await runCli(IW_BIN, {
      args: ['plan', 'debian-minimal', 'late-stable'],
      env: env({ DIB_RELEASE: 'bookworm' }),
      cwd: work,
    })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(
      /^Debian release: stable → trixie \(13\.\d+\), archive of \d{4}-\d\d-\d\d$/m,
    )
  })

  it('builds testing on the default bootstrap path: forky, with the build-only exception for the stale mirror gone from the image', () => {
    const result = expectBuilt('testing')
    expect(process.env['DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE']).toBeUndefined()
    expect(result.stdout).toMatch(/Creating the debian forky root with (mmdebstrap|debootstrap)/)
    expect(result.stdout).not.toContain('Using the cached root')
    expect(tarText('testing', './etc/debian_version')).toMatch(/^forky\/sid$/m)
    expect(releaseRecord('testing')).toMatchObject({
      requested: 'testing',
      codename: 'forky',
      suite: 'testing',
    })
    expect(tarList('testing')).not.toContain('00imagewright-build-expired')
    // forky has no isc-dhcp-client: ifupdown gets dhcpcd
    expect(tarText('testing', './var/lib/dpkg/status')).toContain('Package: dhcpcd-base\n')
    expect(hostSnapshot(work)).toEqual(before)
  })
})
