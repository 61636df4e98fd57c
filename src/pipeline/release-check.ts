// Which Debian release a build makes, decided from the final environment before anything is
// downloaded: an unknown DIB_RELEASE is refused here, naming the suites the mirror offers.
import { resolveRelease, type ResolvedRelease } from '../element-tools/debian-release/resolve.ts'
import type { FinalEnvironment } from './final-environment.ts'

/** Builds whose root the debootstrap element makes for Debian (or Ubuntu: ubuntu-minimal). */
export function makesDebianRoot(elementNames: readonly string[], final: FinalEnvironment): boolean {
  const distro = final.ok ? final.env['DISTRO_NAME'] : undefined
  return elementNames.includes('debootstrap') && (distro === 'debian' || distro === 'ubuntu')
}

/** The release of a Debian build (throws a ConfigError for one the mirror lacks); undefined for others. */
export async function checkDebianRelease(
  elementNames: readonly string[],
  final: FinalEnvironment,
  warn: (line: string) => void,
): Promise<ResolvedRelease | undefined> {
  if (!final.ok || !makesDebianRoot(elementNames, final)) return undefined
  return resolveRelease(final.env, { warn })
}
