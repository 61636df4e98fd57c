import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { defaultSourcesConf } from '../../../src/element-tools/debian-release/apt-sources.ts'
import { cachePath } from '../../../src/element-tools/debian-release/fetch-release.ts'
import {
  isExpired,
  isoDay,
  parseReleaseHead,
} from '../../../src/element-tools/debian-release/release-file.ts'
import { resolveRelease } from '../../../src/element-tools/debian-release/resolve.ts'
import { readDebianSettings } from '../../../src/element-tools/debian-release/settings.ts'
import {
  describeRelease,
  releaseAssignments,
} from '../../../src/element-tools/debian-release/shell-facts.ts'
import { ConfigError } from '../../../src/errors.ts'

const STABLE = `Origin: Debian
Label: Debian
Suite: stable
Version: 13.8
Codename: trixie
Changelogs: https://metadata.ftp-master.debian.org/changelogs/@CHANGEPATH@_changelog
Date: Sat, 21 Nov 2026 09:15:44 UTC
Acquire-By-Hash: yes
Components: main contrib non-free-firmware non-free
Description: Debian 13.8 Released 21 November 2026
MD5Sum:
 3e498904a30e240573dac8ddac594e6f  1961125 contrib/Contents-all
`
const TESTING = `Suite: testing
Codename: forky
Date: Fri, 30 Oct 2026 08:08:01 UTC
Valid-Until: Fri, 06 Nov 2026 08:08:01 UTC
SHA256:
 0 1 main/x
`

describe('the head of a Release file', () => {
  it('gives suite, codename, version and date, and stops at the checksum lists', () => {
    expect(parseReleaseHead(STABLE)).toEqual({
      suite: 'stable',
      codename: 'trixie',
      version: '13.8',
      date: 'Sat, 21 Nov 2026 09:15:44 UTC',
      validUntil: undefined,
    })
    expect(parseReleaseHead(`${STABLE}Codename: later\n`)?.codename).toBe('trixie')
  })

  it('reads an InRelease file through its signature header', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n${STABLE}`
    expect(parseReleaseHead(signed)?.codename).toBe('trixie')
  })

  it('is not fooled by a page that is not a Release file', () => {
    expect(parseReleaseHead('<html><body>Not Found</body></html>')).toBeUndefined()
    expect(parseReleaseHead('Suite: stable\nDate: Sat, 21 Nov 2026 09:15:44 UTC\n')).toBeUndefined()
  })

  it('knows when testing expired and gives the day of a date', () => {
    const testing = parseReleaseHead(TESTING)
    expect(testing).toBeDefined()
    if (testing === undefined) return
    expect(isExpired(testing, new Date('2026-12-05T00:00:00Z'))).toBe(true)
    expect(isExpired(testing, new Date('2026-11-01T00:00:00Z'))).toBe(false)
    expect(isExpired({ ...testing, validUntil: undefined }, new Date('2030-01-01T00:00:00Z'))).toBe(
      false,
    )
    expect(isoDay(testing.date)).toBe('2026-10-30')
    expect(isoDay('whenever')).toBe('whenever')
  })
})

describe('Debian settings and default apt sources', () => {
  it('defaults to stable on deb.debian.org; DIB_DEBIAN_DISTRIBUTION_MIRROR wins', () => {
    const defaults = readDebianSettings({})
    expect(defaults).toMatchObject({
      release: 'stable',
      mirror: 'http://deb.debian.org/debian',
      components: ['main'],
      offline: false,
    })
    expect(
      readDebianSettings({
        DIB_DISTRIBUTION_MIRROR: 'http://a/debian/',
        DIB_DEBIAN_DISTRIBUTION_MIRROR: 'http://b/debian',
      }).mirror,
    ).toBe('http://b/debian')
    expect(readDebianSettings({ DIB_DISTRIBUTION_MIRROR: 'http://a/debian/' }).mirror).toBe(
      'http://a/debian',
    )
    expect(
      readDebianSettings({ DIB_DEBIAN_COMPONENTS: 'main,contrib non-free' }).components,
    ).toEqual(['main', 'contrib', 'non-free'])
    expect(readDebianSettings({ DIB_OFFLINE: '0' }).offline).toBe(false)
    expect(readDebianSettings({ DIB_OFFLINE: '1', DIB_IMAGE_CACHE: '/c' })).toMatchObject({
      offline: true,
      cacheDir: '/c/debian-release',
    })
  })

  it('lists the release, -updates and -security by codename; only the release for sid', () => {
    const settings = readDebianSettings({ DIB_DEBIAN_COMPONENTS: 'main,contrib' })
    expect(defaultSourcesConf(settings, 'trixie')).toBe(
      [
        'default:deb http://deb.debian.org/debian trixie main contrib',
        'updates:deb http://deb.debian.org/debian trixie-updates main contrib',
        'security:deb http://deb.debian.org/debian-security trixie-security main contrib',
      ].join('\n'),
    )
    expect(defaultSourcesConf(settings, 'sid')).toBe(
      'default:deb http://deb.debian.org/debian sid main contrib',
    )
    const custom = readDebianSettings({
      DIB_DEBIAN_SECURITY_MIRROR: 'http://s/sec',
      DIB_DEBIAN_SECURITY_SUBPATH: '/updates',
    })
    expect(defaultSourcesConf(custom, 'bookworm')).toContain(
      'security:deb http://s/sec bookworm/updates main',
    )
  })
})

describe('resolving DIB_RELEASE against a mirror', () => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  /** A mirror of Release files on disk, and a cache directory. */
  async function mirror(
    files: Record<string, string>,
  ): Promise<{ mirror: string; env: Record<string, string> }> {
    dir = await mkdtemp(join(tmpdir(), 'iw-debian-release-'))
    for (const [suite, text] of Object.entries(files)) {
      const path = join(dir, 'mirror/dists', suite, 'Release')
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, text)
    }
    const url = `file://${dir}/mirror`
    return {
      mirror: url,
      env: { DIB_DISTRIBUTION_MIRROR: url, DIB_IMAGE_CACHE: join(dir, 'cache') },
    }
  }
  const NOW = { now: new Date('2026-12-05T12:00:00Z') }

  it('resolves an alias to its codename, with the date, and the sources for the codename', async () => {
    const m = await mirror({ stable: STABLE })
    const release = await resolveRelease({ ...m.env, DIB_RELEASE: 'stable' }, NOW)
    expect(release).toMatchObject({
      requested: 'stable',
      codename: 'trixie',
      suite: 'stable',
      version: '13.8',
      source: 'mirror',
      expired: false,
    })
    expect(release.sourcesConf.split('\n')[0]).toBe(`default:deb ${m.mirror} trixie main`)
    expect(describeRelease(release)).toBe('stable → trixie (13.8), archive of 2026-11-21')
    expect(releaseAssignments(release)).toContain("DIB_DEBIAN_CODENAME='trixie'\n")
    expect(releaseAssignments(release)).toContain(
      "DIB_DEBIAN_RELEASE_DATE='Sat, 21 Nov 2026 09:15:44 UTC'\n",
    )
  })

  it('keeps DIB_APT_SOURCES_CONF as set', async () => {
    const m = await mirror({ trixie: STABLE })
    const release = await resolveRelease({
      ...m.env,
      DIB_RELEASE: 'trixie',
      DIB_APT_SOURCES_CONF: 'local:deb http://l/ trixie main',
    })
    expect(release.sourcesConf).toBe('local:deb http://l/ trixie main')
  })

  it('refuses a release the mirror lacks, listing the suites it offers', async () => {
    const m = await mirror({ stable: STABLE, testing: TESTING })
    const refused = resolveRelease({ ...m.env, DIB_RELEASE: 'nosuch' }, NOW)
    await expect(refused).rejects.toThrow(ConfigError)
    await expect(refused).rejects.toThrow(
      `DIB_RELEASE="nosuch" is not a suite of ${m.mirror}; it offers stable (trixie), testing (forky)`,
    )
    await expect(resolveRelease({ ...m.env, DIB_RELEASE: '../etc' })).rejects.toThrow(
      'DIB_RELEASE="../etc" is not a Debian release name',
    )
  })

  it('refuses an expired suite unless DIB_APT_ALLOW_EXPIRED=1', async () => {
    const m = await mirror({ testing: TESTING })
    await expect(resolveRelease({ ...m.env, DIB_RELEASE: 'testing' }, NOW)).rejects.toThrow(
      'the Release file of forky on',
    )
    const allowed = await resolveRelease(
      { ...m.env, DIB_RELEASE: 'testing', DIB_APT_ALLOW_EXPIRED: '1' },
      NOW,
    )
    expect(allowed).toMatchObject({ codename: 'forky', expired: true })
    expect(releaseAssignments(allowed)).toContain("DIB_DEBIAN_RELEASE_EXPIRED='1'\n")
  })

  it('works offline from the Release file an online build cached', async () => {
    const m = await mirror({ stable: STABLE })
    await resolveRelease({ ...m.env, DIB_RELEASE: 'stable' }, NOW)
    expect(await readdir(join(m.env['DIB_IMAGE_CACHE'] ?? '', 'debian-release'))).toHaveLength(1)
    // The mirror is gone: offline builds, and online ones with a warning, use the copy.
    await rm(join(dir ?? '', 'mirror'), { recursive: true })
    const offline = await resolveRelease({ ...m.env, DIB_RELEASE: 'stable', DIB_OFFLINE: '1' }, NOW)
    expect(offline).toMatchObject({
      codename: 'trixie',
      source: 'cache',
      date: 'Sat, 21 Nov 2026 09:15:44 UTC',
    })
  })

  it('offline without a cached copy: a codename is taken as is, an alias is refused', async () => {
    const m = await mirror({})
    const codename = await resolveRelease(
      { ...m.env, DIB_RELEASE: 'bookworm', DIB_OFFLINE: '1' },
      NOW,
    )
    expect(codename).toMatchObject({ codename: 'bookworm', source: 'unchecked', date: undefined })
    expect(describeRelease(codename)).toBe('bookworm, archive date unknown (offline, not cached)')
    await expect(
      resolveRelease({ ...m.env, DIB_RELEASE: 'stable', DIB_OFFLINE: '1' }, NOW),
    ).rejects.toThrow(
      /Cannot tell which Debian release DIB_RELEASE="stable" is: .*: DIB_OFFLINE is set and no copy is cached/,
    )
  })

  it('falls back to the cached copy with a warning when the mirror cannot be read', async () => {
    const m = await mirror({})
    const cache = m.env['DIB_IMAGE_CACHE'] ?? ''
    await mkdir(join(cache, 'debian-release'), { recursive: true })
    await writeFile(cachePath(join(cache, 'debian-release'), m.mirror, 'stable'), STABLE)
    // a directory where the file should be: unreadable, not missing
    await mkdir(join(dir ?? '', 'mirror/dists/stable/Release'), { recursive: true })
    const warnings: string[] = []
    const release = await resolveRelease(
      { ...m.env, DIB_RELEASE: 'stable' },
      { ...NOW, warn: (line) => warnings.push(line) },
    )
    expect(release).toMatchObject({ codename: 'trixie', source: 'cache' })
    expect(warnings).toEqual([
      `${m.mirror}/dists/stable/Release cannot be read; using the copy cached on 2026-11-21`,
    ])
  })
})
