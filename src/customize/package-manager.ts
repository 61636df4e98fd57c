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

type Action = 'install' | 'uninstall'

interface ManagerSpec {
  /** os-release IDs of its family (an ID may also be NAME-something). */
  readonly ids: readonly string[]
  /** The programs it may be found as, in order of preference (yum on older RPM images). */
  readonly programs: readonly string[]
  /** Commands, run in the image, that install or remove `packages` with `program`. */
  readonly commands: (program: string, action: Action, packages: readonly string[]) => Argv[]
}

/** One entry per package manager: a new one is one entry (and its tests). */
export const PACKAGE_MANAGERS: Readonly<Record<PackageManager, ManagerSpec>> = {
  apt: {
    ids: ['debian', 'ubuntu'],
    programs: ['apt-get'],
    commands: (program, action, packages) =>
      action === 'install'
        ? [
            [program, 'update'],
            [program, '-y', 'install', ...packages],
            [program, 'clean'],
          ]
        : [
            [program, '-y', 'remove', ...packages],
            [program, 'clean'],
          ],
  },
  dnf: {
    ids: ['fedora', 'rhel', 'centos', 'rocky', 'almalinux', 'ol', 'amzn'],
    programs: ['dnf', 'yum'],
    // dnf and yum take the same words.
    commands: (program, action, packages) => [
      [program, '-y', action === 'install' ? 'install' : 'remove', ...packages],
      [program, 'clean', 'all'],
    ],
  },
  zypper: {
    ids: ['suse', 'opensuse', 'sles', 'sle'],
    programs: ['zypper'],
    commands: (program, action, packages) => [
      [program, '--non-interactive', action === 'install' ? 'install' : 'remove', ...packages],
      [program, 'clean', '--all'],
    ],
  },
}

const managers = Object.entries(PACKAGE_MANAGERS) as [PackageManager, ManagerSpec][]

/** undefined when neither ID nor ID_LIKE names a known family. */
export function packageManagerFor(
  osRelease: Readonly<Record<string, string>>,
): PackageManager | undefined {
  const ids = [osRelease['ID'] ?? '', ...(osRelease['ID_LIKE'] ?? '').split(/\s+/)]
    .map((id) => id.toLowerCase())
    .filter((id) => id !== '')
  for (const id of ids) {
    const family = managers.find(([, spec]) =>
      spec.ids.some((name) => id === name || id.startsWith(`${name}-`)),
    )
    if (family) return family[0]
  }
  return undefined
}

/** The programs each manager may be found as, in order of preference. */
export const MANAGER_PROGRAMS: Readonly<Record<PackageManager, readonly string[]>> =
  Object.fromEntries(managers.map(([name, spec]) => [name, spec.programs])) as Record<
    PackageManager,
    readonly string[]
  >

/** Commands, run in the image, that install or remove `packages` with `program` (one of a manager's programs). */
export function packageCommands(
  program: string,
  action: Action,
  packages: readonly string[],
): Argv[] {
  const owner = managers.find(([, spec]) => spec.programs.includes(program))
  if (owner === undefined) throw new TypeError(`${program} is no known package manager's program`)
  return owner[1].commands(program, action, packages)
}

/** The environment package managers run with in the image: no prompts, no host PATH. */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  TERM: 'dumb',
}
