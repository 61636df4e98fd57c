// The README's promise: `disk-image-create -o debian debian-minimal vm` builds an image of
// Debian's current stable release (no DIB_RELEASE: 13, trixie, today) that boots to a login
// prompt, whose banner names that release, under software emulation. Two builds run at once
// (they must not disturb each other), and both images boot. The second is the seed's first flow,
// `disk-image-create vm debian -p qemu-guest-agent` (the cloud-image element, a package from -p),
// as a cloud image: on a GPT disk (block-device-gpt), cloud-init limited to NoCloud
// (cloud-init-nocloud), a devuser login; written in three formats, booted on a larger disk and
// logged in to: the package is installed, growroot grew / to the disk, cloud-init ran with its
// data source list, and its network went to netplan and systemd-networkd without holding up
// the login. The Debian root is bootstrapped once per machine into the shared test cache and
// reused by later builds.
// The default build has an image cache of its own with the step cache on: it bootstraps and
// saves the tarball (DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE=1, as the bench and many DIB users set
// it), and the same build again must reuse its image in seconds, plan showing every step a hit.
// The apt cache is mounted, not copied: the image and the stored steps hold no .deb file, and
// the cache got them.
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  IW_BIN,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { commandOutputs } from '../helpers/boot-test.ts'

let work: string
let before: HostSnapshot
let defaultBuild: CliResult
let multiBuild: CliResult

const env = (): Record<string, string> => ({
  DIB_IMAGE_CACHE: TEST_CACHE,
  DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
  TMPDIR: join(work, 'tmp'),
})
/** The default build's own cache: its steps stored, its root bootstrapped and saved there. */
const defaultEnv = (): Record<string, string> => ({
  ...env(),
  DIB_IMAGE_CACHE: join(work, 'cache'),
  IMAGEWRIGHT_NO_CACHE: '0',
})
const DEFAULT_ARGS = ['-o', 'debian', 'debian-minimal', 'vm']
const tarText = (tar: string, member: string): string =>
  execFileSync('tar', ['-xOf', tar, member], { encoding: 'utf8' })

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-debian-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  // The .deb files the shared cache has, as links (no download, no copy); no bootstrap tarball.
  const debs = join(TEST_CACHE, 'apt', 'debian')
  mkdirSync(join(work, 'cache', 'apt', 'debian'), { recursive: true })
  for (const name of existsSync(debs) ? readdirSync(debs) : [])
    if (name.endsWith('.deb'))
      linkSync(join(debs, name), join(work, 'cache', 'apt', 'debian', name))
  // The exact command of the README, and a multi-format build of the same elements, in parallel.
  ;[defaultBuild, multiBuild] = await Promise.all([
    runCli(DIB_BIN, {
      args: DEFAULT_ARGS,
      env: { ...defaultEnv(), IMAGEWRIGHT_JSON_LOG: join(work, 'default.jsonl') },
      cwd: work,
    }),
    runCli(DIB_BIN, {
      args: [
        '-t',
        'tar,raw,qcow2',
        '-o',
        'multi',
        'vm',
        'debian',
        '-p',
        'qemu-guest-agent',
        'block-device-gpt',
        'cloud-init-nocloud',
        'devuser',
      ],
      env: {
        ...env(),
        DIB_DEV_USER_PASSWORD: 'debian-vm-pw',
        DIB_DEV_USER_PWDLESS_SUDO: '1',
        DIB_DEV_USER_AUTHORIZED_KEYS: '/dev/null',
      },
      cwd: work,
    }),
  ])
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/**
 * Boots the image to its login prompt within `seconds` (a cloud image that waited out
 * networking.service's 5-minute timeout would not); returns the console text.
 */
async function expectBoots(
  image: string,
  options: readonly string[] = [],
  seconds = 300,
): Promise<{ console: string; stdout: string }> {
  const started = Date.now()
  const consoleLog = `${image}.console`
  const args = [
    'boot-test',
    '--quiet',
    '--timeout',
    String(seconds),
    '--console-log',
    consoleLog,
    ...options,
    image,
  ]
  const boot = await runCli(IW_BIN, { args, cwd: work })
  expect(boot.stdout, boot.stderr).toContain('PASS')
  expect(boot.code).toBe(0)
  expect(Date.now() - started).toBeLessThan(seconds * 1000)
  return { console: readFileSync(consoleLog, 'utf8'), stdout: boot.stdout }
}

describe('debian-minimal vm', () => {
  it('builds debian.qcow2 with the default command line, and it boots to a Debian 13 login prompt', async () => {
    expect(defaultBuild.stderr).toBe('')
    expect(defaultBuild.code).toBe(0)
    expect(defaultBuild.stdout).toContain('Hygiene check passed')
    expect(defaultBuild.stdout).not.toContain('WARNING')
    // Its tree steps were stored without a .deb file: the apt cache was a mount, released first.
    // For docs/cache.md: each stored step's size, and the time since the event before it
    // (closing the chroot and packing).
    let last = Number.NaN
    const stored: string[] = []
    for (const line of readFileSync(join(work, 'default.jsonl'), 'utf8').trim().split('\n')) {
      const event = JSON.parse(line) as { time: string; message?: string }
      const done = /^Cache: stored (.+?) \([0-9a-f]{12}, ([^)]+)\)/.exec(event.message ?? '')
      if (done !== null)
        stored.push(
          `${done[1]} ${done[2]} in ${((Date.parse(event.time) - last) / 1000).toFixed(1)} s`,
        )
      last = Date.parse(event.time)
    }
    console.log(`debian-vm default build stored: ${stored.join('; ')}`)
    const entries = join(work, 'cache', 'imagewright-steps', 'entries')
    const archives = readdirSync(entries)
      .map((entry) => join(entries, entry, 'build-dir.tar.zst'))
      .filter((archive) => existsSync(archive))
    expect(archives.length).toBeGreaterThanOrEqual(2)
    for (const archive of archives)
      expect(
        execFileSync('tar', ['-I', 'zstd -d', '-tf', archive], {
          encoding: 'utf8',
          maxBuffer: 256 * 1024 * 1024,
        }),
      ).not.toMatch(/var\/cache\/apt\/archives\/[^/\n]+\.deb$/m)
    // ...and the cache has what it installed.
    expect(defaultBuild.stdout).toMatch(/apt cache \S+\/apt\/debian: \d+ new \.deb file\(s\) kept/)
    const cachedDebs = readdirSync(join(work, 'cache', 'apt', 'debian'))
    for (const pkg of [/^linux-image-[^_]+_/, /^systemd_/, /^zstd_/])
      expect(
        cachedDebs.some((name) => pkg.test(name) && name.endsWith('.deb')),
        String(pkg),
      ).toBe(true)
    expect(defaultBuild.stdout).toMatch(
      /Debian release: stable → trixie \(13\.\d+\), archive of \d{4}-\d\d-\d\d/,
    )
    const qcow2 = join(work, 'debian.qcow2')
    const info = JSON.parse(
      execFileSync('qemu-img', ['info', '--output=json', qcow2], { encoding: 'utf8' }),
    ) as { format: string }
    expect(info.format).toBe('qcow2')
    const booted = await expectBoots(qcow2)
    // the getty's banner, just above the prompt
    expect(booted.console).toMatch(/Debian GNU\/Linux 13 debian ttyS0\s+debian login:/)
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('builds vm debian -p qemu-guest-agent as a GPT cloud image in tar, raw and qcow2 beside the other; it boots promptly with the package, a grown root and cloud-init done', async () => {
    expect(multiBuild.stderr).toBe('')
    expect(multiBuild.code).toBe(0)
    for (const ext of ['tar', 'raw', 'qcow2'])
      expect(existsSync(join(work, `multi.${ext}`))).toBe(true)

    const tar = join(work, 'multi.tar')
    // The apt cache was mounted, not copied in: the image has no .deb file, the cache has them.
    expect(
      execFileSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
    ).not.toMatch(/^\.\/var\/cache\/apt\/archives\/[^/\n]+\.deb$/m)
    expect(
      readdirSync(join(TEST_CACHE, 'apt', 'debian')).some((n) => n.startsWith('qemu-guest-agent_')),
    ).toBe(true)
    expect(tarText(tar, './usr/lib/os-release')).toMatch(/VERSION_ID="13"/)
    expect(tarText(tar, './etc/fstab')).toMatch(/^LABEL=cloudimg-rootfs\s+\/\s+ext4\s/m)
    const grubCfg = tarText(tar, './boot/grub/grub.cfg')
    expect(grubCfg).toMatch(/root=LABEL=cloudimg-rootfs/)
    expect(grubCfg).toContain('console=ttyS0,115200')
    expect(grubCfg).not.toContain('/dev/loop')
    expect(tarText(tar, './etc/machine-id')).toBe('')
    // Debian 13: cloud-init renders for netplan; debootstrap's ifupdown DHCP became networkd's.
    expect(tarText(tar, './etc/cloud/cloud.cfg.d/90-dib-network-renderer.cfg')).toMatch(
      /renderers: \[netplan\]/,
    )
    expect(tarText(tar, './etc/systemd/network/90-dib-dhcp.network')).toContain('DHCP=yes')
    expect(tarText(tar, './etc/cloud/cloud.cfg.d/91-dib-cloud-init-datasources.cfg')).toContain(
      'datasource_list: [ NoCloud, None ]',
    )

    // block-device-gpt as shipped: a BIOS boot partition for grub, then the root.
    const table = JSON.parse(
      execFileSync('sfdisk', ['--json', join(work, 'multi.raw')], { encoding: 'utf8' }),
    ) as {
      partitiontable: { label: string; partitions: { type: string; name?: string }[] }
    }
    expect(table.partitiontable.label).toBe('gpt')
    expect(table.partitiontable.partitions.map((p) => [p.type, p.name])).toEqual([
      ['21686148-6449-6E6F-744E-656564454649', 'BSP'],
      ['0FC63DAF-8483-4772-8E79-3D69D8477DE4', 'root'],
    ])
    const compare = execFileSync(
      'qemu-img',
      ['compare', '-f', 'raw', '-F', 'qcow2', join(work, 'multi.raw'), join(work, 'multi.qcow2')],
      { encoding: 'utf8' },
    )
    expect(compare).toContain('Images are identical')
    // the debian element's additions over debian-minimal, and the package asked for
    const packages = tarText(tar, './var/lib/dpkg/status')
    for (const name of [
      'cloud-init',
      'openssh-server',
      'sudo',
      'qemu-guest-agent',
      'netplan.io',
      'systemd-resolved',
    ])
      expect(packages).toContain(`Package: ${name}\n`)

    const commands = [
      'dpkg -s qemu-guest-agent',
      'findmnt -no SIZE /',
      'sudo -n journalctl -b -u growroot.service --no-pager -o cat',
      // exit 2 is "degraded done": with no NoCloud seed here, cloud-init warns it fell back to None
      'cloud-init status --wait --long || true',
      'sudo -n grep -h DSLIST /run/cloud-init/ds-identify.log',
      'networkctl list --no-legend; ls /run/systemd/network; systemctl is-active networking.service',
      'getent hosts deb.debian.org > /dev/null && echo dns-ok',
    ]
    const booted = await expectBoots(
      join(work, 'multi.qcow2'),
      [
        '--disk-size',
        '4GiB',
        '--user',
        'devuser',
        '--password',
        'debian-vm-pw',
        ...commands.flatMap((command) => ['--command', command]),
      ],
      420,
    )
    expect(booted.console).toMatch(/Debian GNU\/Linux 13 debian ttyS0\s+debian login:/)
    const out = commandOutputs(booted.stdout)
    expect
      .soft(out.get('dpkg -s qemu-guest-agent')?.output)
      .toMatch(/^Status: install ok installed$/m)
    expect
      .soft(Number(/^\s*([\d.]+)G$/m.exec(out.get('findmnt -no SIZE /')?.output ?? '')?.[1]))
      .toBeGreaterThan(3.5)
    // growroot did it before cloud-init could: the image does not depend on cloud-init for this.
    expect
      .soft(out.get('sudo -n journalctl -b -u growroot.service --no-pager -o cat')?.output)
      .toMatch(/growroot: grew partition 2 of \/dev\/vda/)
    const status = out.get('cloud-init status --wait --long || true')?.output ?? ''
    expect.soft(status).toMatch(/^status: done$/m)
    expect
      .soft(out.get('sudo -n grep -h DSLIST /run/cloud-init/ds-identify.log')?.output)
      .toMatch(/NoCloud None/)
    // cloud-init's fallback network (DHCP on the first NIC) through netplan to networkd.
    const network =
      out.get(
        'networkctl list --no-legend; ls /run/systemd/network; systemctl is-active networking.service',
      )?.output ?? ''
    expect.soft(network).toMatch(/ en\w+\s+ether\s+routable\s+configured\b/)
    expect.soft(network).toMatch(/^10-netplan-.*\.network$/m)
    expect
      .soft(out.get('getent hosts deb.debian.org > /dev/null && echo dns-ok')?.output)
      .toBe('dns-ok\n')
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('the default build again is its stored image, in seconds; plan says every step hits from the root', async () => {
    // The root was bootstrapped and its tarball saved: the key of a root unpacked from that
    // tarball is the key of the root stored (the bench once measured a 417 s "no-op" here).
    const plan = await runCli(IW_BIN, {
      args: ['plan', ...DEFAULT_ARGS],
      env: defaultEnv(),
      cwd: work,
    })
    expect(plan.code, plan.stderr).toBe(0)
    for (const step of ['root', 'install', 'post-install', 'tree', 'image'])
      expect(plan.stdout).toMatch(new RegExp(`^ {2}${step} +hit `, 'm'))
    // post-install.d does not run, so no initramfs is offered.
    expect(plan.stdout).not.toMatch(/^ {4}initramfs /m)
    const log = join(work, 'no-op.jsonl')
    const started = performance.now()
    const again = await runCli(DIB_BIN, {
      args: DEFAULT_ARGS,
      env: { ...defaultEnv(), IMAGEWRIGHT_JSON_LOG: log },
      cwd: work,
    })
    const seconds = (performance.now() - started) / 1000
    console.log(`debian-vm no-op rebuild: ${seconds.toFixed(1)} s`)
    expect(again.stderr).toBe('')
    expect(again.code).toBe(0)
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; what?: string })
    expect(events.filter((e) => e.kind === 'cache-hit').map((e) => e.what)).toEqual([
      expect.stringMatching(/^image debian \(stored /),
    ])
    expect(events.filter((e) => e.kind === 'script-end')).toEqual([])
    // 5 s on a quiet machine; the bound leaves room for a loaded one.
    expect(seconds).toBeLessThan(30)
    expect(hostSnapshot(work)).toEqual(before)
  })

  it('another build of the same packages (an element with a post-install.d script added) reuses the initramfs the default build made', async () => {
    const elements = join(work, 'elements')
    mkdirSync(join(elements, 'post-edit', 'post-install.d'), { recursive: true })
    writeFileSync(
      join(elements, 'post-edit', 'post-install.d', '50-post-edit'),
      '#!/bin/bash\nset -eu -o pipefail\necho edited > /etc/post-edit\n',
      { mode: 0o755 },
    )
    const args = ['-t', 'tar', '-o', 'post-edit', 'debian-minimal', 'vm', 'post-edit']
    const plan = await runCli(IW_BIN, {
      args: ['plan', ...args],
      env: { ...defaultEnv(), ELEMENTS_PATH: elements },
      cwd: work,
    })
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toMatch(/^ {2}post-install +miss .*\n {4}initramfs +[1-9]\d* stored: /m)
    const log = join(work, 'post-edit.jsonl')
    const started = performance.now()
    const edited = await runCli(DIB_BIN, {
      args,
      env: { ...defaultEnv(), ELEMENTS_PATH: elements, IMAGEWRIGHT_JSON_LOG: log },
      cwd: work,
    })
    console.log(
      `debian-vm post-install.d edit: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    )
    expect(edited.stderr).toBe('')
    expect(edited.code).toBe(0)
    // The element list is an input of every step (hooks see it), so this runs from root.d; the
    // packages and their configuration are those of the default build, so its initramfs fits.
    const initramfsRun = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; script?: string; durationMs?: number })
      .find((e) => e.kind === 'script-end' && e.script === '98-dpkg-initramfs')
    // Seconds (the key), not the minute or more mkinitramfs takes here.
    expect(initramfsRun?.durationMs).toBeLessThan(30_000)
    expect(edited.stdout).toMatch(
      /Cache: reused the initramfs of kernel \S+ \([0-9a-f]{12}\): its inputs are unchanged/,
    )
    expect(edited.stdout).not.toMatch(/Cache: stored the initramfs/)
    const tar = join(work, 'post-edit.tar')
    expect(tarText(tar, './etc/post-edit')).toBe('edited\n')
    // The image holds the stored initramfs, byte for byte, and not the exchange directory.
    const members = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n')
    expect(members.filter((m) => m.includes('imagewright-initramfs'))).toEqual([])
    const initrd = members.find((member) => /^\.\/boot\/initrd\.img-/.test(member))
    expect(initrd).toBeDefined()
    const entries = join(work, 'cache', 'imagewright-steps', 'entries')
    const stored = readdirSync(entries)
      .map((entry) => join(entries, entry, 'initrd.img'))
      .filter((file) => existsSync(file))
    expect(stored).toHaveLength(1)
    const digest = (command: string, ...args: string[]): string =>
      execFileSync('sh', ['-c', command, 'sh', ...args], { encoding: 'utf8' }).split(' ')[0] ?? ''
    expect(digest('tar -xOf "$1" "$2" | sha256sum', tar, String(initrd))).toBe(
      digest('sha256sum < "$1"', String(stored[0])),
    )
    expect(hostSnapshot(work)).toEqual(before)
  })
})
