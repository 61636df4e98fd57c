// What is in a finished image: its packages (dpkg database and copyright files) and what takes
// its space (du). Read from the mounted tree on the host, never by running the image's tools.
import { readFile, readlink } from 'node:fs/promises'
import { safeTargetPath } from '../chroot/safe-path.ts'
import type { Runner } from '../exec/command.ts'
import type { PackageInfo, SpaceEntry } from '../report/events.ts'
import { licenseOfCopyright } from './dep5-license.ts'
import { parseDpkgStatus } from './dpkg-status.ts'

export const LARGEST_ENTRIES = 12

export interface ImageInventory {
  readonly packages: readonly PackageInfo[]
  /** "debian-13" from os-release (ID and VERSION_ID), for package URLs. */
  readonly distro: string | undefined
}

async function readInTarget(root: string, path: string): Promise<string | undefined> {
  const target = await safeTargetPath(root, path)
  if (!target.exists || target.lastIsSymlink) return undefined
  return readFile(target.path, 'utf8').catch(() => undefined)
}

/** Links from one doc directory to another that are followed (libctf0 → libbinutils → binutils-common). */
const DOC_LINK_HOPS = 4

/**
 * A doc directory may be a link to a sibling's (libfoo-dev → libfoo), which may itself be a link:
 * follow sibling links a few steps, never out of usr/share/doc. Anything else states no licence.
 */
async function copyrightOf(root: string, name: string): Promise<string | undefined> {
  let dir = name
  for (let hop = 0; hop <= DOC_LINK_HOPS; hop++) {
    const doc = await safeTargetPath(root, `usr/share/doc/${dir}`)
    if (!doc.lastIsSymlink) return readInTarget(root, `usr/share/doc/${dir}/copyright`)
    const link = await readlink(doc.path)
    if (link.includes('/') || link === '..' || link === '.') return undefined
    dir = link
  }
  return undefined
}

export async function readImageInventory(root: string): Promise<ImageInventory> {
  const status = await readInTarget(root, 'var/lib/dpkg/status')
  const packages: PackageInfo[] = []
  for (const pkg of parseDpkgStatus(status ?? '')) {
    const copyright = await copyrightOf(root, pkg.name)
    const license = copyright === undefined ? undefined : licenseOfCopyright(copyright)
    packages.push({ ...pkg, ...(license === undefined ? {} : { license }) })
  }
  // etc/os-release is usually a link to usr/lib/os-release (links are not followed here)
  const osRelease =
    (await readInTarget(root, 'etc/os-release')) ?? (await readInTarget(root, 'usr/lib/os-release'))
  return { packages, distro: distroOf(osRelease) }
}

export function distroOf(osRelease: string | undefined): string | undefined {
  if (osRelease === undefined) return undefined
  const fields = new Map<string, string>()
  for (const line of osRelease.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim())
    if (match) fields.set(match[1] ?? '', (match[2] ?? '').replace(/^["']|["']$/g, ''))
  }
  const id = fields.get('ID')
  if (id === undefined) return undefined
  const version = fields.get('VERSION_ID')
  return version === undefined ? id : `${id}-${version}`
}

/** `du -d 2` output ("bytes<TAB>path") → the largest directories below the root, and the total. */
export function largestDirectories(
  duOutput: string,
  root: string,
): { totalBytes: number; directories: SpaceEntry[] } {
  let totalBytes = 0
  const entries: SpaceEntry[] = []
  for (const line of duOutput.split('\n')) {
    const match = /^(\d+)\t(.*)$/.exec(line)
    if (!match) continue
    const bytes = Number(match[1])
    const path = match[2] ?? ''
    if (path === root || path === `${root}/`) {
      totalBytes = bytes
      continue
    }
    if (!path.startsWith(`${root}/`)) continue
    entries.push({ name: path.slice(root.length), bytes })
  }
  entries.sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1))
  return { totalBytes, directories: entries.slice(0, LARGEST_ENTRIES) }
}

export function largestPackages(packages: readonly PackageInfo[]): SpaceEntry[] {
  return packages
    .map((p) => ({ name: p.name, bytes: p.installedBytes }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1))
    .slice(0, LARGEST_ENTRIES)
}

export async function measureTree(runner: Runner, root: string): Promise<string> {
  const result = await runner.run(
    { argv: ['du', '--block-size=1', '--max-depth=2', root], label: 'measure the image contents' },
    { quiet: true, allowFailure: true },
  )
  return result.stdout
}
