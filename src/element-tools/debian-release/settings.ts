// The Debian settings of a build (DIB_RELEASE, mirrors, components...) read from the
// environment hooks see after every environment.d file, with debian-minimal's defaults.

export interface DebianSettings {
  /** DISTRO_NAME: debian, or ubuntu (whose releases are named by codename only). */
  readonly distro: 'debian' | 'ubuntu'
  /** Ubuntu's suites beside the release (DIB_UBUNTU_MIRROR_DISTS: updates, security...). */
  readonly ubuntuDists: readonly string[]
  /** DIB_RELEASE as given: an alias (stable, testing...) or a codename. */
  readonly release: string
  readonly mirror: string
  readonly securityMirror: string
  readonly securitySubpath: string
  readonly components: readonly string[]
  /** DIB_APT_SOURCES_CONF when the user (or an element) set it: used as is. */
  readonly sourcesConf: string | undefined
  readonly offline: boolean
  /** DIB_APT_ALLOW_EXPIRED=1: build from a suite whose Release file is past its Valid-Until. */
  readonly allowExpired: boolean
  /** Where Release files are kept for offline builds (below DIB_IMAGE_CACHE). */
  readonly cacheDir: string | undefined
}

export const DEFAULT_RELEASE = 'stable'
export const DEFAULT_MIRROR = 'http://deb.debian.org/debian'
export const DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security'

/** Names the archive gives to roles rather than releases; they move at every release. */
export const SUITE_ALIASES = [
  'oldoldstable',
  'oldstable',
  'stable',
  'testing',
  'unstable',
  'experimental',
] as const

export function isAlias(release: string): boolean {
  return (SUITE_ALIASES as readonly string[]).includes(release)
}

type Env = Readonly<Record<string, string | undefined>>

const setting = (env: Env, name: string): string | undefined => {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

export function readDebianSettings(env: Env): DebianSettings {
  const offline = setting(env, 'DIB_OFFLINE')
  const cache = setting(env, 'DIB_IMAGE_CACHE')
  return {
    distro: setting(env, 'DISTRO_NAME') === 'ubuntu' ? 'ubuntu' : 'debian',
    ubuntuDists: (env['DIB_UBUNTU_MIRROR_DISTS'] ?? 'updates,security,backports')
      .split(/[\s,]+/)
      .filter((d) => d !== ''),
    release: setting(env, 'DIB_RELEASE') ?? DEFAULT_RELEASE,
    mirror: (
      setting(env, 'DIB_DEBIAN_DISTRIBUTION_MIRROR') ??
      setting(env, 'DIB_DISTRIBUTION_MIRROR') ??
      DEFAULT_MIRROR
    ).replace(/\/+$/, ''),
    securityMirror: (setting(env, 'DIB_DEBIAN_SECURITY_MIRROR') ?? DEFAULT_SECURITY_MIRROR).replace(
      /\/+$/,
      '',
    ),
    securitySubpath: env['DIB_DEBIAN_SECURITY_SUBPATH'] ?? '-security',
    components: (setting(env, 'DIB_DEBIAN_COMPONENTS') ?? 'main')
      .split(/[\s,]+/)
      .filter((c) => c !== ''),
    sourcesConf: setting(env, 'DIB_APT_SOURCES_CONF'),
    offline: offline !== undefined && offline !== '0',
    allowExpired: setting(env, 'DIB_APT_ALLOW_EXPIRED') === '1',
    cacheDir: cache === undefined ? undefined : `${cache}/debian-release`,
  }
}
