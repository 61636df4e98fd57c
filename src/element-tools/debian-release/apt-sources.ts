// The image's default apt sources, in DIB_APT_SOURCES_CONF form ("name:deb URL SUITE
// COMPONENTS...", one per line), for the codename a release resolved to: Debian's layout (the
// security suite on its own mirror) or Ubuntu's (every suite on one mirror).
import type { DebianSettings } from './settings.ts'

/** Codenames without -updates and -security suites. */
const ROLLING = new Set(['sid', 'rc-buggy'])

/**
 * The release itself, its -updates and its -security suites; only the release for unstable
 * and experimental. The codename, not the alias, so the image does not move to the next
 * Debian release on its own when the alias does.
 */
export function defaultSourcesConf(
  settings: Pick<
    DebianSettings,
    'distro' | 'ubuntuDists' | 'mirror' | 'securityMirror' | 'securitySubpath' | 'components'
  >,
  codename: string,
): string {
  const components = settings.components.join(' ')
  const lines = [`default:deb ${settings.mirror} ${codename} ${components}`]
  if (settings.distro === 'ubuntu') {
    // Ubuntu's archive holds every suite of a release (security too), as in DIB's ubuntu-minimal.
    for (const dist of settings.ubuntuDists)
      lines.push(`${dist}:deb ${settings.mirror} ${codename}-${dist} ${components}`)
    return lines.join('\n')
  }
  if (!ROLLING.has(codename)) {
    lines.push(`updates:deb ${settings.mirror} ${codename}-updates ${components}`)
    lines.push(
      `security:deb ${settings.securityMirror} ${codename}${settings.securitySubpath} ${components}`,
    )
  }
  return lines.join('\n')
}
