// The report's sections about the image: the disk drawn as boxes sized by their share of the
// disk, the packages, what takes the space, the boot console (folded) and cache hits.
import type { DiskLayoutInfo, PackageInfo, PartitionInfo, SpaceEntry } from './events.ts'
import { html, type Html } from './html.ts'
import { scaleBinary } from '../util/size.ts'
import { formatDuration } from './html-sections.ts'
import type { CacheHitRow, SpaceUsage } from './report-contents.ts'

/** "512 B", "1.5 KiB", "300 MiB": one decimal below 10. */
export function shortBytes(bytes: number): string {
  const { value, unit } = scaleBinary(bytes)
  return unit === 'B' ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`
}

const pct = (part: number, whole: number): string =>
  `${whole <= 0 ? 0 : ((part / whole) * 100).toFixed(3)}%`

function partitionBox(p: PartitionInfo, disk: DiskLayoutInfo): Html {
  const what = [p.fstype ?? 'no filesystem', p.mountPoint].filter(Boolean).join(' on ')
  const title = `${p.name}: ${what}, ${shortBytes(p.bytes)} at ${shortBytes(p.startBytes)}${p.label ? `, label ${p.label}` : ''}${p.type ? `, type ${p.type}` : ''}`
  // Every box stays readable: a 1 MiB BIOS boot partition still gets a sliver with its name.
  return html`<div class="part ${p.fstype ?? 'none'}" style="flex-grow:${(p.bytes / disk.bytes).toFixed(6)}" title="${title}">
<span class="pname">${p.name}</span><span class="pfs">${p.fstype ?? '—'}</span><span class="pmount">${p.mountPoint ?? ''}</span><span class="psize">${shortBytes(p.bytes)}</span>
</div>
`
}

export function diskLayoutSection(disk: DiskLayoutInfo | undefined): Html {
  if (disk === undefined)
    return html`<section><h2>Disk layout</h2><p class="none">This build made no disk.</p></section>\n`
  const used = disk.partitions.reduce((sum, p) => sum + p.bytes, 0)
  const free = Math.max(disk.bytes - used, 0)
  const table =
    disk.table === 'dos'
      ? 'MBR (dos)'
      : disk.table === undefined
        ? 'no partition table'
        : disk.table.toUpperCase()
  const rows = disk.partitions.map(
    (p) =>
      html`<tr><td>${p.name}</td><td class="num">${shortBytes(p.startBytes)}</td><td class="num">${shortBytes(p.bytes)}</td><td>${p.type ?? ''}</td><td>${p.fstype ?? ''}</td><td>${p.label ?? ''}</td><td>${p.mountPoint ?? ''}</td></tr>\n`,
  )
  return html`<section><h2>Disk layout</h2>
<p>${shortBytes(disk.bytes)} disk, ${table}, ${disk.sectorSize}-byte sectors</p>
<div class="disk" role="img" aria-label="Disk layout: ${disk.partitions.map((p) => `${p.name} ${p.fstype ?? ''} ${p.mountPoint ?? ''}`.trim()).join(', ')}">
${disk.partitions.map((p) => partitionBox(p, disk))}${free > disk.bytes / 200 ? html`<div class="part free" style="flex-grow:${(free / disk.bytes).toFixed(6)}" title="unpartitioned, ${shortBytes(free)}"><span class="pname">free</span><span class="psize">${shortBytes(free)}</span></div>\n` : ''}</div>
<table class="partitions"><thead><tr><th>Partition</th><th>Start</th><th>Size</th><th>Type</th><th>Filesystem</th><th>Label</th><th>Mount point</th></tr></thead>
<tbody>
${rows}</tbody></table>
</section>
`
}

export function packagesSection(packages: readonly PackageInfo[] | undefined): Html {
  if (packages === undefined || packages.length === 0) {
    return html`<section><h2>Installed packages</h2><p class="none">The image has no package database (dpkg).</p></section>\n`
  }
  const rows = packages.map(
    (p) =>
      html`<tr><td>${p.name}</td><td>${p.version}</td><td>${p.arch}</td><td>${p.source === p.name && p.sourceVersion === p.version ? '' : `${p.source} ${p.sourceVersion}`}</td><td>${p.license ?? ''}</td><td class="num">${shortBytes(p.installedBytes)}</td></tr>\n`,
  )
  return html`<section><h2>Installed packages (${packages.length})</h2>
<details class="packages"><summary>${packages.length} packages, ${shortBytes(packages.reduce((s, p) => s + p.installedBytes, 0))} installed: show the list</summary>
<table><thead><tr><th>Package</th><th>Version</th><th>Arch</th><th>Source</th><th>Licence</th><th>Size</th></tr></thead>
<tbody>
${rows}</tbody></table>
</details>
</section>
`
}

function spaceTable(title: string, entries: readonly SpaceEntry[], whole: number): Html {
  if (entries.length === 0) return html``
  const largest = Math.max(...entries.map((e) => e.bytes), 1)
  const rows = entries.map(
    (e) =>
      html`<tr><td>${e.name}</td><td class="num">${shortBytes(e.bytes)}</td><td class="share"><div class="sbar" style="width:${pct(e.bytes, largest)}"></div></td><td class="num">${whole > 0 ? `${((e.bytes / whole) * 100).toFixed(1)}%` : ''}</td></tr>\n`,
  )
  return html`<div class="space"><h3>${title}</h3>
<table><thead><tr><th>Name</th><th>Size</th><th></th><th>Share</th></tr></thead>
<tbody>
${rows}</tbody></table></div>
`
}

export function spaceSection(space: SpaceUsage | undefined): Html {
  if (space === undefined)
    return html`<section><h2>What takes the space</h2><p class="none">The image's contents were not measured.</p></section>\n`
  return html`<section><h2>What takes the space</h2>
<p>${shortBytes(space.totalBytes)} in the image's filesystems.</p>
<div class="spaces">
${spaceTable('Largest directories', space.directories, space.totalBytes)}${spaceTable('Largest packages', space.packages, space.totalBytes)}</div>
</section>
`
}

export function bootConsoleSection(lines: readonly string[]): Html {
  if (lines.length === 0) return html``
  return html`<section><h2>Boot test</h2>
<details class="console"><summary>Serial console log (${lines.length} lines)</summary>
<pre>${lines.map((line) => `${line}\n`).join('')}</pre>
</details>
</section>
`
}

export function cacheHitsSection(hits: readonly CacheHitRow[]): Html {
  if (hits.length === 0) return html``
  const saved = hits.reduce((sum, h) => sum + (h.savedMs ?? 0), 0)
  const rows = hits.map(
    (h) =>
      html`<tr><td>${h.what}</td><td>${h.cache}</td><td><code>${h.key}</code></td><td class="num">${h.savedMs === undefined ? '' : formatDuration(h.savedMs)}</td></tr>\n`,
  )
  return html`<section><h2>Cache hits (${hits.length})</h2>
<p>${saved > 0 ? `About ${formatDuration(saved)} saved.` : ''}</p>
<table><thead><tr><th>Reused</th><th>Cache</th><th>Key</th><th>Saved</th></tr></thead>
<tbody>
${rows}</tbody></table>
</section>
`
}

export const CONTENTS_STYLE = `
.disk { display: flex; height: 4.2em; border: 1px solid #888; border-radius: 3px; overflow: hidden; margin: .5em 0; }
.part { flex-basis: 0; min-width: 4.5em; display: flex; flex-direction: column; justify-content: center; padding: 0 .4em; border-right: 2px solid #fff; background: #cfe0f5; font-size: .85em; overflow: hidden; white-space: nowrap; }
.part.vfat { background: #f7e3b5; } .part.xfs { background: #d7ecd0; } .part.btrfs { background: #e5d6f2; } .part.swap { background: #eee; }
.part.none { background: repeating-linear-gradient(45deg, #ddd 0 6px, #eee 6px 12px); } .part.free { background: #fafafa; color: #777; }
.pname { font-weight: 600; } .pmount { color: #333; } .psize, .pfs { color: #555; }
.spaces { display: flex; flex-wrap: wrap; gap: 2em; } .space h3 { font-size: 1em; margin: .3em 0; }
td.share { width: 10em; } .sbar { height: .8em; background: var(--ok); border-radius: 2px; min-width: 1px; }
details > summary { cursor: pointer; color: #2a5ea8; }
`
