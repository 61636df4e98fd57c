// The seed's Debian-side scripts and the shipped elements without a test of their own, in two
// Debian builds made in parallel and booted once each:
// - systemd: dkms (a fixture module built for the image's kernel), the build's apt proxy (a
//   forward proxy in this test), daemons blocked during the build (a fixture package whose
//   postinst tries to start its daemon), baseline tools, autoremove, DIB_CLOUD_INIT_ETC_HOSTS,
//   dib-python, the JSON dpkg manifest, cloud-init-datasources, openssh-server,
//   runtime-ssh-host-keys, sysprep, modprobe, disable-nouveau, enable-serial-console and
//   pip-and-virtualenv;
// - SysV init (DIB_DEBIAN_ALT_INIT_PACKAGE=sysvinit-core): a service installed through
//   dib-init-system and named through svc-map, and the fixture package's daemon, both started
//   at boot by the real start-stop-daemon; sshd with host keys made at boot.
// The systemd image is Debian 12, named by its codename, the SysV image Debian 13, named `stable`
// by an element's late environment.d file (as DIB's own test elements do), so the baseline
// tools are shown for a release with add-apt-repository and for one without, and both release
// names resolve, with the release recorded in the manifests. The qcow2 images are uncompressed
// (-u): the scripts are the point here, and compression (dib-options', debian-vm's) cost the
// systemd build 35 s of one core.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  REPO,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
} from '../helpers/cli.ts'
import { commandOutputs, expectBootPasses, type CommandOutput } from '../helpers/boot-test.ts'
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.ts'

const FIXTURES = join(REPO, 'test', 'fixtures', 'seed-scripts')
const PASSWORD = 'seed-secret-7'

let work: string
let before: HostSnapshot
let proxy: ForwardProxy
let systemdBuild: CliResult
let sysvBuild: CliResult

const tarText = (tar: string, member: string): string =>
  execFileSync('tar', ['-xOf', tar, member], { encoding: 'utf8' })
const tarList = (tar: string): string[] =>
  execFileSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n')

interface DpkgEntry {
  package: string
  arch: string
  version: string
  status: string
}
function dpkgManifest(name: string): DpkgEntry[] {
  const text = readFileSync(
    join(work, `${name}.d`, 'dib-manifests', `dib-manifest-dpkg-${name}`),
    'utf8',
  )
  return (JSON.parse(text) as { packages: DpkgEntry[] }).packages
}

/** The debootstrap element's release record, from the image and from the copy beside it. */
function releaseRecord(name: string): Record<string, string> {
  const text = tarText(join(work, `${name}.tar`), './etc/dib-manifests/debian-release')
  expect(readFileSync(join(work, `${name}.d`, 'dib-manifests', 'debian-release'), 'utf8')).toBe(
    text,
  )
  const pairs = text.split('\n').filter((line) => /^[a-z-]+=/.test(line))
  return Object.fromEntries(
    pairs.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

async function bootWith(
  image: string,
  commands: readonly string[],
): Promise<Map<string, CommandOutput>> {
  const login = { user: 'devuser', password: PASSWORD }
  const env = { TMPDIR: join(work, 'tmp') }
  const run = { args: [image], timeoutSeconds: 900, quiet: true, login, commands, env, cwd: work }
  return commandOutputs(await expectBootPasses(run))
}

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-seed-scripts-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  proxy = await startForwardProxy()
  const debTree = join(work, 'iw-pkgd')
  cpSync(join(FIXTURES, 'iw-pkgd'), debTree, { recursive: true })
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', debTree, join(work, 'iw-pkgd.deb')])
  const env = (extra: Record<string, string>): Record<string, string> => ({
    ELEMENTS_PATH: join(FIXTURES, 'elements'),
    DIB_IMAGE_CACHE: TEST_CACHE,
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
    DIB_DEV_USER_PASSWORD: PASSWORD,
    DIB_DEV_USER_PWDLESS_SUDO: '1',
    DIB_DEV_USER_AUTHORIZED_KEYS: '/dev/null',
    IW_PKGD_DEB: join(work, 'iw-pkgd.deb'),
    TMPDIR: join(work, 'tmp'),
    ...extra,
  })
  const systemd = [
    'debian-minimal',
    'vm',
    'devuser',
    'dkms',
    'iw-dkms-hello',
    'iw-pkgd',
    'iw-seed-checks',
    'cloud-init-datasources',
    'openssh-server',
    'runtime-ssh-host-keys',
    'sysprep',
    'disable-nouveau',
    'enable-serial-console',
    'pip-and-virtualenv',
  ]
  const sysv = [
    'debian-minimal',
    'vm',
    'devuser',
    'enable-serial-console',
    'iw-pkgd',
    'iw-sysv-service',
    'openssh-server',
    'runtime-ssh-host-keys',
    'late-stable',
  ]
  ;[systemdBuild, sysvBuild] = await Promise.all([
    runCli(DIB_BIN, {
      args: ['-u', '-t', 'tar,qcow2', '-o', 'seed', ...systemd],
      env: env({
        // Debian 12: the last release with add-apt-repository.
        DIB_RELEASE: 'bookworm',
        http_proxy: proxy.url,
        DIB_BASE_BASELINE_TOOLS: '1',
        DIB_CLOUD_INIT_ETC_HOSTS: 'localhost',
        DIB_CLOUD_INIT_DATASOURCES: 'NoCloud, ConfigDrive',
        DIB_MODPROBE_BLACKLIST: 'floppy',
      }),
      cwd: work,
    }),
    runCli(DIB_BIN, {
      args: ['-u', '-t', 'tar,qcow2', '-o', 'sysv', ...sysv],
      // Debian 13 (stable, from late-stable): the baseline tools mapped for a release without
      // software-properties-common.
      env: env({ DIB_DEBIAN_ALT_INIT_PACKAGE: 'sysvinit-core', DIB_BASE_BASELINE_TOOLS: '1' }),
      cwd: work,
    }),
  ])
})

afterAll(async () => {
  await proxy.close()
  rmSync(work, { recursive: true, force: true })
})

describe('debian-minimal with the seed scripts and the shipped elements (systemd)', () => {
  it("builds through the proxy, with daemons blocked, and the tree shows every script's work", () => {
    expect(systemdBuild.stderr).toBe('')
    expect(systemdBuild.code, systemdBuild.stdout.slice(-4000)).toBe(0)
    expect(systemdBuild.stdout).not.toContain('left running in the chroot')
    expect(hostSnapshot(work)).toEqual(before)
    const tar = join(work, 'seed.tar')
    const files = tarList(tar)

    // bookworm by its codename, recorded in the manifests; its DHCP client for ifupdown.
    expect(systemdBuild.stdout).toMatch(
      /Debian release: bookworm \(12\.\d+\), archive of \d{4}-\d\d-\d\d/,
    )
    expect(tarText(tar, './usr/lib/os-release')).toMatch(/^VERSION_ID="12"$/m)
    expect(releaseRecord('seed')).toMatchObject({
      requested: 'bookworm',
      codename: 'bookworm',
      suite: 'oldstable',
    })

    // The apt proxy: used during the build, gone from the image.
    expect(proxy.hosts).toContain('deb.debian.org')
    expect(tarText(tar, './etc/iw-seed/apt-proxy')).toContain(proxy.url)
    expect(files.filter((f) => f.startsWith('./etc/apt/apt.conf.d/'))).not.toContainEqual(
      expect.stringMatching(/proxy/),
    )
    expect(
      execFileSync(
        'sh',
        [
          '-c',
          `tar -xOf ${tar} --wildcards './etc/apt/*' 2>/dev/null | grep -c "${proxy.url}" || true`,
        ],
        { encoding: 'utf8' },
      ).trim(),
    ).toBe('0')

    // Daemons: the package's postinst started nothing; the real tools are back.
    expect(files).toContain('./usr/sbin/iw-pkgd')
    expect(files).not.toContain('./var/lib/iw-pkgd/starts')
    expect(files.filter((f) => f.includes('.imagewright-real'))).toEqual([])
    expect(files).not.toContain('./usr/sbin/policy-rc.d')
    const ssd = execFileSync('tar', ['-xOf', tar, './usr/sbin/start-stop-daemon'])
    expect(ssd.subarray(0, 4).toString('latin1')).toBe('\x7fELF')

    // dib-python served the build and left; the autoremove candidate is gone; sysprep cleaned.
    expect(tarText(tar, './etc/iw-seed/dib-python')).toBe('3\n')
    expect(tarText(tar, './etc/iw-seed/dib-python-var')).toBe('python3\n')
    expect(files).not.toContain('./usr/bin/dib-python')
    expect(files).not.toContain('./var/lib/dhcp/dhclient.ens3.leases')
    expect(files).not.toContain('./root/.bash_history')

    // The dpkg manifest, as JSON like DIB 3.x, in the image and beside it.
    const packages = dpkgManifest('seed')
    expect(tarText(tar, './etc/dib-manifests/dib-manifest-dpkg-seed')).toBe(
      readFileSync(join(work, 'seed.d', 'dib-manifests', 'dib-manifest-dpkg-seed'), 'utf8'),
    )
    const names = packages.map((p) => p.package)
    expect(packages.find((p) => p.package === 'dkms')).toMatchObject({ arch: 'all', status: 'ii ' })
    for (const name of [
      'software-properties-common',
      'open-iscsi',
      'iw-pkgd',
      'openssh-server',
      'python3-pip',
      'python3-virtualenv',
      'cloud-init',
    ]) {
      expect(names).toContain(name)
    }
    expect(names).not.toContain('hello')
    expect(names).toContain('isc-dhcp-client')

    // cloud-init settings, modprobe files, serial console, and no host keys from the build.
    expect(tarText(tar, './etc/cloud/cloud.cfg.d/10_etc_hosts.cfg')).toContain(
      'manage_etc_hosts: localhost',
    )
    expect(tarText(tar, './etc/cloud/cloud.cfg.d/91-dib-cloud-init-datasources.cfg')).toContain(
      'datasource_list: [ NoCloud, ConfigDrive, None ]',
    )
    expect(tarText(tar, './etc/modprobe.d/disable-nouveau.conf')).toContain('blacklist nouveau')
    expect(tarText(tar, './etc/modprobe.d/blacklist.conf')).toContain('blacklist floppy')
    expect(files).toContain('./etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service')
    expect(files.filter((f) => f.startsWith('./etc/ssh/ssh_host_'))).toEqual([])
    expect(files.filter((f) => /\/updates\/dkms\/iwhello\.ko/.test(f))).toHaveLength(1)
    expect(files).not.toContain('./var/lib/dkms/mok.key')

    // The dpkg element's batched mkinitramfs made the stock one's image, byte for byte
    // (iw-seed-checks' post-install.d), with the modules and the dkms one where they belong.
    expect(systemdBuild.stdout).toMatch(
      /kernel modules copied in batches|reused the initramfs built from the same inputs/,
    )
    const verdict = tarText(tar, './etc/iw-seed/initramfs-batched').split('\n')
    expect(verdict[0]).toMatch(/^identical \d+$/)
    expect(verdict[1]).toBe('1')
    expect(verdict.slice(2).filter((line) => line !== '')).toEqual([
      expect.stringMatching(
        /^usr\/lib\/modules\/[^/]+\/kernel\/drivers\/net\/ethernet\/broadcom\/bnx2\.ko$/,
      ),
      expect.stringMatching(/^usr\/lib\/modules\/[^/]+\/kernel\/fs\/ext4\/ext4\.ko$/),
      expect.stringMatching(/^usr\/lib\/modules\/[^/]+\/updates\/dkms\/iwhello\.ko$/),
    ])
  })

  it('boots: the dkms module loads, sshd runs with fresh keys, settings apply', async () => {
    const out = await bootWith(join(work, 'seed.qcow2'), [
      'uname -r; /sbin/modinfo -F vermagic iwhello; /sbin/modinfo -n iwhello',
      'sudo -n /sbin/modprobe iwhello && sudo -n dmesg | grep -c "iwhello: loaded"',
      'sudo -n systemctl is-active ssh.service runtime-ssh-host-keys.service iw-pkgd.service',
      'ls /etc/ssh/ssh_host_ed25519_key.pub && sudo -n sshd -T | grep -E "^ciphers "',
      'wc -l < /var/lib/iw-pkgd/starts',
      '/sbin/modprobe -c | grep -E "^blacklist (nouveau|floppy)$" | sort',
      'lsinitramfs /boot/initrd.img-$(uname -r) | grep -E "modprobe.d/(disable-nouveau|blacklist).conf$" | sort',
      'python3 -m pip --version && python3 -m virtualenv --version && python3 -m venv --without-pip /tmp/v && echo venv-ok',
      'add-apt-repository --help > /dev/null && echo add-apt-repository-ok',
      'sudo -n grep -h DSLIST /run/cloud-init/ds-identify.log',
    ])
    const [uname, vermagic, path] =
      out
        .get('uname -r; /sbin/modinfo -F vermagic iwhello; /sbin/modinfo -n iwhello')
        ?.output.split('\n') ?? []
    expect.soft(vermagic?.startsWith(`${uname} `)).toBe(true)
    expect.soft(path).toMatch(/\/updates\/dkms\/iwhello\.ko/)
    expect
      .soft(
        out.get('sudo -n /sbin/modprobe iwhello && sudo -n dmesg | grep -c "iwhello: loaded"')
          ?.output,
      )
      .toBe('1\n')
    expect
      .soft(
        out.get(
          'sudo -n systemctl is-active ssh.service runtime-ssh-host-keys.service iw-pkgd.service',
        )?.output,
      )
      .toBe('active\nactive\nactive\n')
    expect
      .soft(
        out.get('ls /etc/ssh/ssh_host_ed25519_key.pub && sudo -n sshd -T | grep -E "^ciphers "')
          ?.output,
      )
      .toMatch(/^ciphers chacha20-poly1305@openssh.com,/m)
    expect.soft(out.get('wc -l < /var/lib/iw-pkgd/starts')?.output).toBe('1\n')
    expect
      .soft(out.get('/sbin/modprobe -c | grep -E "^blacklist (nouveau|floppy)$" | sort')?.output)
      .toBe('blacklist floppy\nblacklist nouveau\n')
    expect
      .soft(
        out.get(
          'lsinitramfs /boot/initrd.img-$(uname -r) | grep -E "modprobe.d/(disable-nouveau|blacklist).conf$" | sort',
        )?.output,
      )
      .toMatch(/blacklist\.conf\n.*disable-nouveau\.conf\n/)
    expect
      .soft(
        out.get(
          'python3 -m pip --version && python3 -m virtualenv --version && python3 -m venv --without-pip /tmp/v && echo venv-ok',
        )?.output,
      )
      .toContain('venv-ok')
    expect
      .soft(out.get('add-apt-repository --help > /dev/null && echo add-apt-repository-ok')?.output)
      .toContain('add-apt-repository-ok')
    // DIB_CLOUD_INIT_DATASOURCES at boot: the list cloud-init's ds-identify searched.
    expect
      .soft(out.get('sudo -n grep -h DSLIST /run/cloud-init/ds-identify.log')?.output)
      .toBe('DSLIST=NoCloud ConfigDrive None\n')
  })
})

describe('debian-minimal with SysV init (DIB_DEBIAN_ALT_INIT_PACKAGE=sysvinit-core)', () => {
  it('builds without systemd as init', () => {
    expect(sysvBuild.stderr).toBe('')
    expect(sysvBuild.code, sysvBuild.stdout.slice(-4000)).toBe(0)
    expect(sysvBuild.stdout).not.toContain('left running in the chroot')
    const names = dpkgManifest('sysv').map((p) => p.package)
    expect(names).toContain('sysvinit-core')
    expect(names).not.toContain('systemd-sysv')
    // Debian 13's bootstrap lacks it; without fsck.ext4 checkroot.sh stops at a maintenance shell.
    expect(names).toContain('e2fsprogs')
    // Debian 13 has no add-apt-repository: the baseline tools leave it out and say so.
    expect(names).toContain('open-iscsi')
    expect(names).not.toContain('software-properties-common')
    expect(sysvBuild.stdout).toContain('base: Debian "trixie" has no add-apt-repository')
    const tar = join(work, 'sysv.tar')
    // stable, set by late-stable's environment.d file after debian-minimal's: trixie, with its
    // sources and the manifest record.
    expect(sysvBuild.stdout).toMatch(
      /Debian release: stable → trixie \(13\.\d+\), archive of \d{4}-\d\d-\d\d/,
    )
    expect(tarText(tar, './etc/apt/sources.list.d/default.list')).toBe(
      'deb http://deb.debian.org/debian trixie main\n',
    )
    expect(tarText(tar, './etc/apt/sources.list.d/security.list')).toBe(
      'deb http://deb.debian.org/debian-security trixie-security main\n',
    )
    const record = releaseRecord('sysv')
    expect(record).toMatchObject({ requested: 'stable', codename: 'trixie', suite: 'stable' })
    expect(record['release-date']).toMatch(/^\w{3}, \d\d \w{3} \d{4} [\d:]{8} UTC$/)
    expect(tarText(tar, './etc/inittab')).toMatch(
      /^S0:2345:respawn:\/sbin\/agetty -L 115200 ttyS0 vt100$/m,
    )
    expect(tarText(tar, './etc/iw-hello.service-name')).toBe('iw-hello\n')
    expect(tarList(tar)).not.toContain('./var/lib/iw-pkgd/starts')
  })

  it('boots to a login prompt and runs the services installed by a package and by dib-init-system', async () => {
    const out = await bootWith(join(work, 'sysv.qcow2'), [
      'cat /proc/1/comm; dib-init-system; . /etc/os-release; echo $VERSION_ID',
      'sudo -n service iw-hello status && cat /run/iw-hello.state',
      'sudo -n /etc/init.d/iw-pkgd status && wc -l < /var/lib/iw-pkgd/starts',
      'ls /etc/rc2.d | grep -E "^S[0-9]+iw-(hello|pkgd)$" | sed "s/^S[0-9]*//" | sort',
      'ls /etc/ssh/ssh_host_ed25519_key.pub && sudo -n service ssh status',
    ])
    expect
      .soft(
        out.get('cat /proc/1/comm; dib-init-system; . /etc/os-release; echo $VERSION_ID')?.output,
      )
      .toBe('init\nsysv\n13\n')
    expect
      .soft(out.get('sudo -n service iw-hello status && cat /run/iw-hello.state')?.output)
      .toContain('iw-hello running')
    expect
      .soft(
        out.get('sudo -n /etc/init.d/iw-pkgd status && wc -l < /var/lib/iw-pkgd/starts')?.output,
      )
      .toBe('1\n')
    expect
      .soft(
        out.get('ls /etc/rc2.d | grep -E "^S[0-9]+iw-(hello|pkgd)$" | sed "s/^S[0-9]*//" | sort')
          ?.output,
      )
      .toBe('iw-hello\niw-pkgd\n')
    // runtime-ssh-host-keys' SysV script made the host keys before sshd started.
    expect
      .soft(out.get('ls /etc/ssh/ssh_host_ed25519_key.pub && sudo -n service ssh status')?.output)
      .toMatch(/sshd is running/)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
