// The image's own package manager, chosen from its /etc/os-release (ID, then ID_LIKE), and the
// command lines that install or remove packages with it. Pure.
import type { Argv } from '../exec/command.ts'

export type PackageManager = 'apt' | 'dnf' | 'zypper'

/** KEY=value lines; values may be quoted. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!match?.[1]) continue
    fields[match[1]] = (match[2] ?? '').replace(/^(["'])(.*)\1$/, '$2')
  }
  return fields
}

const FAMILIES: readonly (readonly [PackageManager, readonly string[]])[] = [
  ['apt', ['debian', 'ubuntu']],
  ['dnf', ['fedora', 'rhel', 'centos', 'rocky', 'almalinux', 'ol', 'amzn']],
  ['zypper', ['suse', 'opensuse', 'sles', 'sle']],
]

/** undefined when neither ID nor ID_LIKE names a known family. */
export function packageManagerFor(osRelease: Readonly<Record<string, string>>): PackageManager | undefined {
  const ids = [osRelease['ID'] ?? '', ...(osRelease['ID_LIKE'] ?? '').split(/\s+/)]
    .map((id) => id.toLowerCase())
    .filter((id) => id !== '')
  for (const id of ids) {
    const family = FAMILIES.find(([, names]) => names.some((name) => id === name || id.startsWith(`${name}-`)))
    if (family) return family[0]
  }
  return undefined
}

/** The programs each manager may be found as, in order of preference (yum on older RPM images). */
export const MANAGER_PROGRAMS: Readonly<Record<PackageManager, readonly string[]>> = {
  apt: ['apt-get'],
  dnf: ['dnf', 'yum'],
  zypper: ['zypper'],
}

/** Commands, run in the image, that install or remove `packages` with `program`. */
export function packageCommands(program: string, action: 'install' | 'uninstall', packages: readonly string[]): Argv[] {
  if (program === 'apt-get') {
    return action === 'install'
      ? [['apt-get', 'update'], ['apt-get', '-y', 'install', ...packages], ['apt-get', 'clean']]
      : [['apt-get', '-y', 'remove', ...packages], ['apt-get', 'clean']]
  }
  if (program === 'zypper') {
    return [['zypper', '--non-interactive', action === 'install' ? 'install' : 'remove', ...packages], ['zypper', 'clean', '--all']]
  }
  // dnf and yum take the same words.
  return [[program, '-y', action === 'install' ? 'install' : 'remove', ...packages], [program, 'clean', 'all']]
}

/** The environment package managers run with in the image: no prompts, no host PATH. */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  TERM: 'dumb',
}
