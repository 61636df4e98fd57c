import { describe, expect, it } from 'vitest'
import type { BuildEvent, TimedEvent } from '../../../src/report/events.ts'
import { shortBytes } from '../../../src/report/html-contents.ts'
import { renderHtmlReport } from '../../../src/report/html-report.ts'

const MiB = 1024 * 1024
const at = (time: number, event: BuildEvent): TimedEvent => ({ time, event })

const events: TimedEvent[] = [
  at(1000, { kind: 'step-start', step: 'create the disk' }),
  at(1100, { kind: 'step-start', step: 'mkfs root (ext4)' }),
  at(1900, { kind: 'step-end', step: 'mkfs root (ext4)', durationMs: 800, ok: true }),
  at(2000, { kind: 'step-end', step: 'create the disk', durationMs: 1000, ok: true }),
  at(2100, {
    kind: 'disk-layout',
    disk: {
      bytes: 2048 * MiB,
      sectorSize: 512,
      table: 'gpt',
      partitions: [
        {
          name: 'ESP',
          startBytes: MiB,
          bytes: 16 * MiB,
          type: 'ef00',
          fstype: 'vfat',
          label: 'MKFS_ESP',
          mountPoint: '/boot/efi',
        },
        {
          name: 'root',
          startBytes: 17 * MiB,
          bytes: 2000 * MiB,
          fstype: 'ext4',
          label: 'cloudimg-rootfs',
          mountPoint: '/',
        },
      ],
    },
  }),
  at(2200, {
    kind: 'packages',
    packages: [
      {
        name: 'libc6',
        version: '2.41-12',
        arch: 'amd64',
        source: 'glibc',
        sourceVersion: '2.41-12',
        license: 'LGPL-2.1-or-later',
        installedBytes: 12 * MiB,
      },
    ],
  }),
  at(2300, {
    kind: 'space-usage',
    totalBytes: 400 * MiB,
    directories: [{ name: '/usr', bytes: 300 * MiB }],
    packages: [{ name: 'libc6', bytes: 12 * MiB }],
  }),
  at(2400, {
    kind: 'cache-hit',
    cache: 'phase',
    key: 'sha256:0123abcd',
    what: 'root.d of debian-minimal',
    savedMs: 95_000,
  }),
  at(2500, {
    kind: 'output',
    label: 'console',
    stream: 'stdout',
    line: 'Debian GNU/Linux 13 debian ttyS0',
  }),
  at(2600, { kind: 'output', label: 'console', stream: 'stdout', line: 'debian login: <b>' }),
  at(3000, { kind: 'build-end', ok: true, durationMs: 2000 }),
]

describe('the report on the image', () => {
  const page = renderHtmlReport(events)

  it('puts core steps on the timeline, nested', () => {
    expect(page).toMatch(
      /<div class="row step ok">\n<div class="label" style="padding-left:0.00em"[^>]*><span class="name">create the disk<\/span>/,
    )
    expect(page).toMatch(/padding-left:1.25em[^>]*><span class="name">mkfs root \(ext4\)<\/span>/)
  })

  it('draws each partition as a box sized by its share, with filesystem, mount point and size', () => {
    expect(page).toContain('2.0 GiB disk, GPT, 512-byte sectors')
    expect(page).toMatch(
      /<div class="part vfat" style="flex-grow:0.007813" title="ESP: vfat on \/boot\/efi, 16 MiB at 1.0 MiB, label MKFS_ESP, type ef00">/,
    )
    expect(page).toContain(
      '<span class="pname">root</span><span class="pfs">ext4</span><span class="pmount">/</span><span class="psize">2.0 GiB</span>',
    )
  })

  it('lists packages with version, source and licence, and what takes the space', () => {
    expect(page).toContain('<h2>Installed packages (1)</h2>')
    expect(page).toContain(
      '<tr><td>libc6</td><td>2.41-12</td><td>amd64</td><td>glibc 2.41-12</td><td>LGPL-2.1-or-later</td><td class="num">12 MiB</td></tr>',
    )
    expect(page).toContain("<p>400 MiB in the image's filesystems.</p>")
    expect(page).toMatch(
      /<tr><td>\/usr<\/td><td class="num">300 MiB<\/td><td class="share"><div class="sbar" style="width:100.000%"><\/div><\/td><td class="num">75.0%<\/td><\/tr>/,
    )
  })

  it('folds the boot console, escaped', () => {
    expect(page).toContain(
      '<details class="console"><summary>Serial console log (2 lines)</summary>\n<pre>Debian GNU/Linux 13 debian ttyS0\ndebian login: &lt;b&gt;\n</pre>',
    )
  })

  it('shows cache hits when the events carry them, and no section when they do not', () => {
    expect(page).toContain('<h2>Cache hits (1)</h2>')
    expect(page).toContain(
      '<tr><td>root.d of debian-minimal</td><td>phase</td><td><code>sha256:0123abcd</code></td><td class="num">1 min 35 s</td></tr>',
    )
    const without = renderHtmlReport(
      events.filter((e) => e.event.kind !== 'cache-hit' && e.event.kind !== 'output'),
    )
    expect(without).not.toContain('Cache hits')
    expect(without).not.toContain('Serial console')
  })

  it('says plainly when there is no disk or package database', () => {
    const bare = renderHtmlReport([at(0, { kind: 'build-end', ok: true, durationMs: 1 })])
    expect(bare).toContain('This build made no disk.')
    expect(bare).toContain('The image has no package database (dpkg).')
  })

  it('sizes bytes briefly', () => {
    expect(shortBytes(512)).toBe('512 B')
    expect(shortBytes(1536)).toBe('1.5 KiB')
    expect(shortBytes(300 * MiB)).toBe('300 MiB')
  })
})
