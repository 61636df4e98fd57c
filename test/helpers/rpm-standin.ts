// The Red Hat family's package manager, for real, from Debian: a root tree carrying Debian's
// dnf and rpm (installed from the Debian archive into the shared bookworm tree), and an rpm
// repository of tiny noarch packages built here with rpmbuild and indexed with createrepo_c.
// A real CentOS or Rocky root cannot be had offline; this one runs the same dnf code paths.
import { execFile } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { unpackBookwormTree } from './bookworm-tree.ts'

const run = promisify(execFile)

export interface RpmSpec {
  readonly name: string
  readonly requires?: readonly string[]
  readonly provides?: readonly string[]
}

function specText(rpm: RpmSpec): string {
  return [
    `Name: ${rpm.name}`,
    'Version: 1.0',
    'Release: 1',
    `Summary: imagewright test package ${rpm.name}`,
    'License: MIT',
    'BuildArch: noarch',
    // No automatic requirements: the tree's rpm database knows none of Debian's files.
    'AutoReqProv: no',
    ...(rpm.requires ?? []).map((name) => `Requires: ${name}`),
    ...(rpm.provides ?? []).map((name) => `Provides: ${name}`),
    '',
    '%description',
    `${rpm.name}, a file of imagewright's Red Hat stand-in tests.`,
    '',
    '%install',
    `mkdir -p %{buildroot}/usr/share/${rpm.name}`,
    `echo ${rpm.name} > %{buildroot}/usr/share/${rpm.name}/marker`,
    '',
    '%files',
    `/usr/share/${rpm.name}/marker`,
    '',
  ].join('\n')
}

/** Builds the packages into `repo/noarch/` and indexes `repo` with createrepo_c. */
export async function buildRpmRepo(work: string, repo: string, rpms: readonly RpmSpec[]) {
  const top = join(work, 'rpmbuild')
  mkdirSync(join(top, 'SPECS'), { recursive: true })
  mkdirSync(repo, { recursive: true })
  for (const rpm of rpms) {
    const spec = join(top, 'SPECS', `${rpm.name}.spec`)
    writeFileSync(spec, specText(rpm))
    await run('rpmbuild', [
      '-bb',
      '--quiet',
      '--define',
      `_topdir ${top}`,
      '--define',
      `_rpmdir ${repo}`,
      spec,
    ])
  }
  rmSync(top, { recursive: true })
  await run('createrepo_c', ['--quiet', repo])
}

export const rpmFile = (repo: string, name: string): string =>
  join(repo, 'noarch', `${name}-1.0-1.noarch.rpm`)

/**
 * A bookworm tree with dnf and rpm from the archive, dressed as Rocky Linux 9: its os-release,
 * rpm's database in /var/lib/rpm (Debian keeps it in $HOME/.rpmdb), and `preinstalled` (rpm
 * files) in that database, installed by the tree's own rpm.
 */
export async function makeDnfTree(tree: string, preinstalled: readonly string[]): Promise<void> {
  unpackBookwormTree(tree)
  const chroot = (...argv: string[]) =>
    run(
      'chroot',
      [
        tree,
        'env',
        '-i',
        'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'DEBIAN_FRONTEND=noninteractive',
        ...argv,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    )
  const resolver = join(tree, 'etc/resolv.conf')
  const own = existsSync(resolver) ? readFileSync(resolver) : undefined
  rmSync(resolver, { force: true })
  copyFileSync('/etc/resolv.conf', resolver)
  try {
    await chroot('apt-get', '-qq', 'update')
    await chroot('apt-get', '-qq', '-y', '--no-install-recommends', 'install', 'dnf', 'rpm')
    await chroot('apt-get', 'clean')
  } finally {
    rmSync(resolver, { force: true })
    if (own !== undefined) writeFileSync(resolver, own)
  }
  // Less to copy in and out of every disk: nothing here reads them.
  for (const dir of ['var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale'])
    rmSync(join(tree, dir), { recursive: true, force: true })
  writeFileSync(
    join(tree, 'usr/lib/os-release'),
    'NAME="Rocky Linux"\nVERSION="9.5 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.5"\n',
  )
  mkdirSync(join(tree, 'etc/rpm'), { recursive: true })
  writeFileSync(join(tree, 'etc/rpm/macros'), '%_dbpath /var/lib/rpm\n')
  mkdirSync(join(tree, 'var/lib/rpm'), { recursive: true })
  const staging = join(tree, 'tmp/rpms')
  mkdirSync(staging)
  for (const file of preinstalled) copyFileSync(file, join(staging, file.split('/').at(-1) ?? ''))
  await chroot('rpm', '-i', ...readdirSync(staging).map((name) => `/tmp/rpms/${name}`))
  rmSync(staging, { recursive: true })
}

/** `rpm -q` against the rpm database of an unpacked tree, with the host's rpm. */
export async function rpmQuery(tree: string, names: readonly string[]): Promise<string> {
  const result = await run('rpm', [
    '--root',
    tree,
    '--dbpath',
    '/var/lib/rpm',
    '-q',
    ...names,
  ]).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }))
  return result.stdout
}
