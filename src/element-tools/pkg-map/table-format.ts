// The resolved pkg-map table written into the image for the in-chroot `pkg-map` command, which
// is bash and cannot read JSON. One line per name, "name<TAB>packages" (packages space-separated,
// empty for "install nothing"); lines starting with "#" carry the distro and release the table
// was resolved for, so the command can refuse a different --distro/--release.
import { ConfigError } from '../../errors.ts'
import type { MapTarget, PkgMapTable } from './resolve.ts'

export function formatResolvedTable(table: PkgMapTable, target: MapTarget): string {
  const lines = [`#distro\t${target.distro ?? ''}`, `#release\t${target.release ?? ''}`]
  for (const [name, packages] of table) lines.push(`${name}\t${packages.join(' ')}`)
  return `${lines.join('\n')}\n`
}

export interface ParsedTable {
  readonly target: MapTarget
  readonly table: Map<string, string[]>
}

export function parseResolvedTable(text: string, file: string): ParsedTable {
  let distro: string | undefined
  let release: string | undefined
  const table = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const tab = line.indexOf('\t')
    if (tab < 0) {
      throw new ConfigError(`Cannot read pkg-map table "${file}": line "${line}" has no tab`)
    }
    const key = line.slice(0, tab)
    const value = line.slice(tab + 1)
    if (key === '#distro') distro = value === '' ? undefined : value
    else if (key === '#release') release = value === '' ? undefined : value
    else if (!key.startsWith('#'))
      table.set(
        key,
        value.split(' ').filter((word) => word !== ''),
      )
  }
  return { target: { distro, release }, table }
}
