// The image's default apt sources, in DIB_APT_SOURCES_CONF form ("name:deb URL SUITE
// COMPONENTS...", one per line), for the codename a release resolved to.
import type { DebianSettings } from './settings.ts'

/** Codenames without -updates and -security suites. */
const ROLLING = new Set(['sid', 'rc-buggy'])

/**
 * The release itself, its -updates and its -security suites; only the release for unstable
 * and experimental. The codename, not the alias, so the image does not move to the next
 * Debian release on its own when the alias does.
 */
export function defaultSourcesConf(
  settings: Pick<DebianSettings, 'mirror' | 'securityMirror' | 'securitySubpath' | 'components'>,
  codename: string,
): string {
  const components = settings.components.join(' ')
  const lines = [`default:deb ${settings.mirror} ${codename} ${components}`]
  if (!ROLLING.has(codename)) {
    lines.push(`updates:deb ${settings.mirror} ${codename}-updates ${components}`)
    lines.push(
      `security:deb ${settings.securityMirror} ${codename}${settings.securitySubpath} ${components}`,
    )
  }
  return lines.join('\n')
}
