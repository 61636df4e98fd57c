// DIB_RELEASE → the Debian release it names today, checked against the mirror before anything
// is downloaded, and the apt sources the build uses for it.
import { ConfigError } from '../../errors.ts'
import { defaultSourcesConf } from './apt-sources.ts'
import { lookUpSuite, releaseUrl } from './fetch-release.ts'
import { isExpired, isoDay, type ReleaseFacts } from './release-file.ts'
import { isAlias, readDebianSettings, SUITE_ALIASES, type DebianSettings } from './settings.ts'

export interface ResolvedRelease {
  readonly distro: 'debian' | 'ubuntu'
  /** DIB_RELEASE as given. */
  readonly requested: string
  readonly codename: string
  readonly suite: string | undefined
  readonly version: string | undefined
  /** The Release file's Date; undefined when an offline build could not look it up. */
  readonly date: string | undefined
  /** Where the facts come from. */
  readonly source: 'mirror' | 'cache' | 'unchecked'
  readonly expired: boolean
  readonly mirror: string
  /** DIB_APT_SOURCES_CONF as set, else the default sources of the codename. */
  readonly sourcesConf: string
}

export interface ResolveOptions {
  readonly now?: Date
  /** Called with a line worth telling the user (a cached copy used instead of the mirror). */
  readonly warn?: (line: string) => void
}

export async function resolveRelease(
  env: Readonly<Record<string, string | undefined>>,
  options: ResolveOptions = {},
): Promise<ResolvedRelease> {
  const settings = readDebianSettings(env)
  const { release, mirror } = settings
  if (!/^[A-Za-z0-9][A-Za-z0-9.+~-]*$/.test(release)) {
    throw new ConfigError(`DIB_RELEASE="${release}" is not a Debian release name`, {
      hint: `Set DIB_RELEASE to a suite (${SUITE_ALIASES.slice(1, 5).join(', ')}) or a codename (trixie, forky...)`,
    })
  }
  const outcome = await lookUpSuite(mirror, release, {
    cacheDir: settings.cacheDir,
    offline: settings.offline,
  })
  if (outcome.kind === 'missing') throw await unknownRelease(settings)
  if (outcome.kind === 'unreachable') {
    if (settings.offline && !isAlias(release))
      return resolved(settings, undefined, 'unchecked', false)
    throw new ConfigError(
      `Cannot tell which Debian release DIB_RELEASE="${release}" is: ${releaseUrl(mirror, release)}: ${outcome.reason}`,
      {
        hint: settings.offline
          ? 'Build once online so the Release file is cached, or set DIB_RELEASE to a codename (trixie, forky...)'
          : 'Check the network and DIB_DISTRIBUTION_MIRROR',
      },
    )
  }
  if (outcome.from === 'cache' && !settings.offline) {
    options.warn?.(
      `${releaseUrl(mirror, release)} cannot be read; using the copy cached on ${isoDay(outcome.facts.date)}`,
    )
  }
  const expired = outcome.from === 'mirror' && isExpired(outcome.facts, options.now ?? new Date())
  if (expired && !settings.allowExpired) {
    throw new ConfigError(
      `DIB_RELEASE="${release}": the Release file of ${outcome.facts.codename} on ${mirror} expired on ${outcome.facts.validUntil ?? ''} (the mirror is out of date), and apt refuses it`,
      {
        hint: 'Use an up-to-date mirror (DIB_DISTRIBUTION_MIRROR), or set DIB_APT_ALLOW_EXPIRED=1 to build from it anyway',
      },
    )
  }
  if (settings.distro === 'ubuntu' && outcome.facts.codename !== release) {
    // Ubuntu names releases by codename only, so DIB_RELEASE is the codename whatever the
    // mirror's file says (a test mirror serving another release's files under this name).
    options.warn?.(
      `${releaseUrl(mirror, release)} says Codename: ${outcome.facts.codename}; building ${release} as DIB_RELEASE says`,
    )
  }
  return resolved(settings, outcome.facts, outcome.from, expired)
}

function resolved(
  settings: DebianSettings,
  facts: ReleaseFacts | undefined,
  source: ResolvedRelease['source'],
  expired: boolean,
): ResolvedRelease {
  const codename =
    settings.distro === 'ubuntu' ? settings.release : (facts?.codename ?? settings.release)
  return {
    distro: settings.distro,
    requested: settings.release,
    codename,
    suite: facts?.suite,
    version: facts?.version,
    date: facts?.date,
    source,
    expired,
    mirror: settings.mirror,
    sourcesConf: settings.sourcesConf ?? defaultSourcesConf(settings, codename),
  }
}

/** The error for a release the mirror does not have, listing the suites it does have. */
async function unknownRelease(settings: DebianSettings): Promise<ConfigError> {
  const offered = await Promise.all(
    SUITE_ALIASES.map(async (suite) => {
      const outcome = await lookUpSuite(settings.mirror, suite, {
        cacheDir: undefined,
        offline: false,
      })
      return outcome.kind === 'found' ? `${suite} (${outcome.facts.codename})` : undefined
    }),
  )
  const list = offered.filter((s) => s !== undefined)
  return new ConfigError(
    `DIB_RELEASE="${settings.release}" is not a suite of ${settings.mirror}; it offers ${list.length > 0 ? list.join(', ') : 'none of the usual suites'}`,
    { hint: 'Set DIB_RELEASE to one of them, or to its codename' },
  )
}
