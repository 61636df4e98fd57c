// The environment after every environment.d file, worked out before a build: a release set by
// a file sourced after debian-minimal's default is the one the build checks and makes.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { finalEnvironment, mergedEnvironmentFiles } from '../../src/pipeline/final-environment.ts'
import { checkDebianRelease } from '../../src/pipeline/release-check.ts'
import { script, useTempDir, writeElementTree, writeFiles } from '../helpers/element-tree.ts'
import { ELEMENTS, runner } from './elements-shell-fixture.ts'

const STABLE = 'Suite: stable\nCodename: trixie\nDate: Sat, 21 Nov 2026 09:15:44 UTC\nMD5Sum:\n'
const BOOKWORM =
  'Suite: oldstable\nCodename: bookworm\nDate: Sat, 11 Jul 2026 10:16:37 UTC\nMD5Sum:\n'

async function setup(
  lateRelease: string,
): Promise<{ elements: { name: string; path: string }[]; base: Record<string, string> }> {
  const dir = await useTempDir('iw-final-env-')
  await writeFiles(dir, {
    'mirror/dists/stable/Release': STABLE,
    'mirror/dists/bookworm/Release': BOOKWORM,
  })
  await writeElementTree(join(dir, 'elements'), [
    {
      name: 'late',
      files: { 'environment.d/10-set-distro.bash': `export DIB_RELEASE=${lateRelease}\n` },
    },
    {
      name: 'early',
      files: { 'environment.d/05-early.bash': 'export EARLY=1\n', 'install.d/50-x': script() },
    },
  ])
  const elements = [
    { name: 'debootstrap', path: join(ELEMENTS, 'debootstrap') },
    { name: 'debian-minimal', path: join(ELEMENTS, 'debian-minimal') },
    { name: 'late', path: join(dir, 'elements/late') },
    { name: 'early', path: join(dir, 'elements/early') },
  ]
  const base = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    DIB_DISTRIBUTION_MIRROR: `file://${dir}/mirror`,
    DIB_IMAGE_CACHE: join(dir, 'cache'),
  }
  return { elements, base }
}

describe('the final environment', () => {
  it("sources every element's environment.d files in sort -n order", async () => {
    const { elements } = await setup('bookworm')
    const files = (await mergedEnvironmentFiles(elements)).map((f) =>
      f.split('/').slice(-3).join('/'),
    )
    expect(files).toEqual([
      'early/environment.d/05-early.bash',
      'debian-minimal/environment.d/10-debian-minimal.bash',
      'debootstrap/environment.d/10-debootstrap-defaults.bash',
      'late/environment.d/10-set-distro.bash',
      'debian-minimal/environment.d/11-debian-minimal-init-system.bash',
    ])
  })

  it('has the release a late file sets, and the build checks that one', async () => {
    const { elements, base } = await setup('bookworm')
    const final = await finalEnvironment(
      elements,
      { base, exported: new Map([['ARCH', 'amd64']]), targetRoot: '/nonexistent' },
      runner,
    )
    expect(final.ok).toBe(true)
    if (!final.ok) return
    expect(final.env).toMatchObject({
      DIB_RELEASE: 'bookworm',
      DISTRO_NAME: 'debian',
      EARLY: '1',
      ARCH: 'amd64',
      TARGET_ROOT: '/nonexistent',
    })
    const release = await checkDebianRelease(
      elements.map((e) => e.name),
      final,
      () => undefined,
    )
    expect(release).toMatchObject({
      requested: 'bookworm',
      codename: 'bookworm',
      suite: 'oldstable',
    })
    // not a Debian build: nothing to check
    expect(await checkDebianRelease(['host-os'], final, () => undefined)).toBeUndefined()
  })

  it('refuses a late unknown release before the build, naming DIB_RELEASE', async () => {
    const { elements, base } = await setup('nosuch')
    const final = await finalEnvironment(
      elements,
      { base, exported: new Map(), targetRoot: '/nonexistent' },
      runner,
    )
    await expect(
      checkDebianRelease(
        elements.map((e) => e.name),
        final,
        () => undefined,
      ),
    ).rejects.toThrow(
      /^DIB_RELEASE="nosuch" is not a suite of file:\S+; it offers stable \(trixie\)$/,
    )
  })

  it('reports a file that fails when sourced instead of throwing', async () => {
    const { elements, base } = await setup('bookworm')
    const dir = await useTempDir('iw-final-env-bad-')
    await writeFiles(dir, { 'bad/environment.d/20-bad.bash': 'echo "no such thing" >&2\nfalse\n' })
    const final = await finalEnvironment(
      [...elements, { name: 'bad', path: join(dir, 'bad') }],
      { base, exported: new Map(), targetRoot: '/x' },
      runner,
    )
    expect(final).toEqual({ ok: false, reason: 'no such thing' })
  })
})
