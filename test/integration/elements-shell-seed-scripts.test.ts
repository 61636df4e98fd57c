// The seed's Debian-side scripts, run for real on throw-away trees: the build's apt proxy, the
// daemon blockers and their undoing, the JSON dpkg manifest (against the host's dpkg database),
// DIB_CLOUD_INIT_ETC_HOSTS, dib-python, enabling SysV/OpenRC scripts (runtime-ssh-host-keys'
// too), svc-map and the choice of init system. test/system/seed-scripts.test.ts shows them in
// real Debian builds.
import { lstat, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles } from '../helpers/element-tree.ts'
import {
  ELEMENTS,
  hookEnv,
  makeHostOsRoot,
  placeHooks,
  runInRoot,
  runOnHost,
} from './elements-shell-fixture.ts'

const IN_TARGET = '/tmp/in_target.d'
const MARK = '# imagewright: build-time stand-in written by the dpkg element'
const REAL_SSD = '#!/bin/sh\necho real start-stop-daemon\n'

const hostScript = (path: string, env: Record<string, string>) =>
  runOnHost([join(ELEMENTS, path)], hookEnv(env))

/** A tree laid out like a merged-/usr Debian root, as far as the blockers care. */
async function mergedUsrTree(): Promise<string> {
  const root = await useTempDir('iw-seed-tree-')
  await writeFiles(root, {
    'usr/sbin/start-stop-daemon': { content: REAL_SSD, mode: 0o755 },
    sbin: { symlink: 'usr/sbin' },
    'etc/apt/apt.conf.d/.keep': '',
  })
  return root
}

describe('dpkg: daemons blocked during the build', () => {
  it('replaces start-stop-daemon and adds a refusing policy-rc.d, then puts everything back', async () => {
    const root = await mergedUsrTree()
    expect(
      (await hostScript('dpkg/root.d/50-dpkg-block-daemons', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    expect(await readFile(join(root, 'usr/sbin/start-stop-daemon'), 'utf8')).toContain(MARK)
    expect(await readFile(join(root, 'usr/sbin/start-stop-daemon.imagewright-real'), 'utf8')).toBe(
      REAL_SSD,
    )
    const fake = await runOnHost([
      join(root, 'sbin/start-stop-daemon'),
      '--start',
      '--exec',
      '/bin/true',
    ])
    expect(fake.exitCode).toBe(0)
    expect(fake.stderr).toContain('not starting or stopping anything')
    expect(
      (await runOnHost([join(root, 'sbin/start-stop-daemon'), '--status', '--pidfile', '/x']))
        .exitCode,
    ).toBe(3)
    expect((await runOnHost([join(root, 'usr/sbin/policy-rc.d'), 'ssh', 'start'])).exitCode).toBe(
      101,
    )

    expect(
      (await hostScript('dpkg/cleanup.d/40-dpkg-unblock-daemons', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    expect(await readFile(join(root, 'usr/sbin/start-stop-daemon'), 'utf8')).toBe(REAL_SSD)
    await expect(lstat(join(root, 'usr/sbin/start-stop-daemon.imagewright-real'))).rejects.toThrow()
    await expect(lstat(join(root, 'usr/sbin/policy-rc.d'))).rejects.toThrow()
  })

  it("keeps a start-stop-daemon a package upgrade wrote during the build, and the image's own policy-rc.d and initctl", async () => {
    const root = await mergedUsrTree()
    await writeFiles(root, {
      'usr/sbin/policy-rc.d': { content: '#!/bin/sh\nexit 0\n', mode: 0o755 },
      'sbin/initctl': { content: '#!/bin/sh\necho real initctl\n', mode: 0o755 },
    })
    expect(
      (await hostScript('dpkg/root.d/50-dpkg-block-daemons', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    expect(await readFile(join(root, 'usr/sbin/initctl'), 'utf8')).toContain(MARK)
    expect((await runOnHost([join(root, 'usr/sbin/policy-rc.d')])).exitCode).toBe(101)
    // dpkg unpacks a new version over the stand-in.
    await writeFiles(root, {
      'usr/sbin/start-stop-daemon': { content: '#!/bin/sh\necho upgraded\n', mode: 0o755 },
    })

    expect(
      (await hostScript('dpkg/cleanup.d/40-dpkg-unblock-daemons', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    expect(await readFile(join(root, 'usr/sbin/start-stop-daemon'), 'utf8')).toContain('upgraded')
    await expect(lstat(join(root, 'usr/sbin/start-stop-daemon.imagewright-real'))).rejects.toThrow()
    expect(await readFile(join(root, 'usr/sbin/initctl'), 'utf8')).toContain('real initctl')
    expect(await readFile(join(root, 'usr/sbin/policy-rc.d'), 'utf8')).toBe('#!/bin/sh\nexit 0\n')
  })

  it('refuses a tree whose /usr/sbin leads out of it, and changes nothing there', async () => {
    const outside = await useTempDir('iw-seed-outside-')
    await writeFiles(outside, { 'start-stop-daemon': { content: REAL_SSD, mode: 0o755 } })
    const root = await useTempDir('iw-seed-tree-')
    await writeFiles(root, { 'usr/sbin': { symlink: outside }, sbin: { symlink: 'usr/sbin' } })
    const result = await hostScript('dpkg/root.d/50-dpkg-block-daemons', { TARGET_ROOT: root })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('leads out of the image')
    expect(await readFile(join(outside, 'start-stop-daemon'), 'utf8')).toBe(REAL_SSD)
  })
})

describe("dpkg: the build's apt proxy", () => {
  const CONF = 'etc/apt/apt.conf.d/60imagewright-build-proxy'

  it('writes Acquire::http::Proxy from http_proxy, and cleanup.d removes it', async () => {
    const root = await mergedUsrTree()
    const env = {
      TARGET_ROOT: root,
      http_proxy: 'http://proxy.example:3128',
      https_proxy: 'http://proxy.example:3129',
    }
    expect((await hostScript('dpkg/root.d/50-dpkg-build-proxy', env)).exitCode).toBe(0)
    const text = await readFile(join(root, CONF), 'utf8')
    expect(text).toContain('Acquire::http::Proxy "http://proxy.example:3128";')
    expect(text).toContain('Acquire::https::Proxy "http://proxy.example:3129";')
    expect(
      (await hostScript('dpkg/cleanup.d/50-dpkg-cleanup', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    await expect(stat(join(root, CONF))).rejects.toThrow()
  })

  it('writes nothing without a proxy, and refuses a value apt.conf cannot hold', async () => {
    const root = await mergedUsrTree()
    expect(
      (await hostScript('dpkg/root.d/50-dpkg-build-proxy', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    await expect(stat(join(root, CONF))).rejects.toThrow()
    const bad = await hostScript('dpkg/root.d/50-dpkg-build-proxy', {
      TARGET_ROOT: root,
      http_proxy: 'http://a"b',
    })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('Cannot use the proxy "http://a"b" (http_proxy/https_proxy)')
    await expect(stat(join(root, CONF))).rejects.toThrow()
  })
})

describe('dpkg: the manifest as JSON', () => {
  it('lists every installed package with arch, version and status, as DIB 3.x does', async () => {
    const dir = await useTempDir('iw-seed-manifest-')
    const result = await hostScript('dpkg/finalise.d/99-dpkg-manifest', {
      DIB_MANIFEST_IMAGE_DIR: dir,
      IMAGE_NAME: '/out/web',
    })
    expect(result.exitCode).toBe(0)
    const text = await readFile(join(dir, 'dib-manifest-dpkg-web'), 'utf8')
    expect(text.startsWith('{"packages": [\n    {"package": ')).toBe(true)
    const { packages } = JSON.parse(text) as {
      packages: { package: string; arch: string; version: string; status: string }[]
    }
    const bash = packages.find((p) => p.package === 'bash')
    const expected = (
      await runOnHost(['dpkg-query', '-W', '-f=${Architecture} ${Version}', 'bash'])
    ).stdout
    expect(bash).toEqual({
      package: 'bash',
      arch: expected.split(' ')[0],
      version: expected.split(' ')[1],
      status: 'ii ',
    })
  })
})

describe('base: DIB_CLOUD_INIT_ETC_HOSTS', () => {
  const SCRIPT = `${IN_TARGET}/install.d/10-base-cloud-init-etc-hosts`

  it('becomes manage_etc_hosts; unset writes nothing; a bad value stops the build', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'install.d': 'base/install.d' })
    expect((await runInRoot(root, [SCRIPT])).exitCode).toBe(0)
    await expect(stat(join(root, 'etc/cloud'))).rejects.toThrow()
    expect(
      (await runInRoot(root, [SCRIPT], { DIB_CLOUD_INIT_ETC_HOSTS: 'template' })).exitCode,
    ).toBe(0)
    expect(await readFile(join(root, 'etc/cloud/cloud.cfg.d/10_etc_hosts.cfg'), 'utf8')).toContain(
      '\nmanage_etc_hosts: template\n',
    )
    const bad = await runInRoot(root, [SCRIPT], { DIB_CLOUD_INIT_ETC_HOSTS: 'yes\nruncmd: [x]' })
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain('is not a manage_etc_hosts value')
  })
})

describe('dib-python', () => {
  it('links /usr/bin/dib-python to python3 for the build and removes it in cleanup.d', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'dib-python/pre-install.d' })
    await writeFiles(root, { 'usr/bin/python3': script('echo "python $*"') })
    expect(
      (
        await runInRoot(root, [`${IN_TARGET}/pre-install.d/02-dib-python`], {
          DISTRO_NAME: 'hostos',
        })
      ).exitCode,
    ).toBe(0)
    expect(await readlink(join(root, 'usr/bin/dib-python'))).toBe('/usr/bin/python3')
    expect((await runInRoot(root, ['dib-python', '-V'])).stdout).toBe('python -V')
    expect(
      (await hostScript('dib-python/cleanup.d/50-dib-python', { TARGET_ROOT: root })).exitCode,
    ).toBe(0)
    await expect(lstat(join(root, 'usr/bin/dib-python'))).rejects.toThrow()
  })

  it('stops the build when the image has no such Python and it cannot install one', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'dib-python/pre-install.d' })
    const result = await runInRoot(root, [`${IN_TARGET}/pre-install.d/02-dib-python`], {
      DISTRO_NAME: 'hostos',
      DIB_PYTHON_VERSION: '2',
    })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('the image has no python2')
  })
})

describe('dib-init-system: SysV and OpenRC scripts enabled after install.d', () => {
  for (const [init, tool, expected] of [
    ['sysv', 'usr/sbin/update-rc.d', 'demo defaults'],
    ['openrc', 'usr/sbin/rc-update', 'add demo default'],
  ] as const) {
    it(`enables init-scripts/${init}/ with ${tool.split('/').pop() ?? tool}`, async () => {
      const root = await makeHostOsRoot()
      await placeHooks(root, { 'post-install.d': 'dib-init-system/post-install.d' })
      await writeFiles(root, {
        [`${IN_TARGET.slice(1)}/init-scripts/${init}/demo`]: '#!/bin/sh\n',
        [tool]: script('echo "$*" >> /var/log/init-calls'),
      })
      const result = await runInRoot(
        root,
        [`${IN_TARGET}/post-install.d/10-dib-init-system-enable`],
        { DIB_INIT_SYSTEM: init },
      )
      expect(result.exitCode).toBe(0)
      expect(await readFile(join(root, 'var/log/init-calls'), 'utf8')).toBe(`${expected}\n`)
    })
  }
})

describe('runtime-ssh-host-keys without systemd', () => {
  it('leaves enabling its SysV/OpenRC script to dib-init-system, and refuses upstart', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'post-install.d': 'runtime-ssh-host-keys/post-install.d' })
    const enable = `${IN_TARGET}/post-install.d/80-runtime-ssh-host-keys-enable`
    for (const init of ['sysv', 'openrc']) {
      expect((await runInRoot(root, [enable], { DIB_INIT_SYSTEM: init })).exitCode).toBe(0)
    }
    const upstart = await runInRoot(root, [enable], { DIB_INIT_SYSTEM: 'upstart' })
    expect(upstart.exitCode).toBe(1)
    expect(upstart.stderr).toContain('DIB_INIT_SYSTEM="upstart" is not systemd, sysv or openrc')
    for (const init of ['sysv', 'openrc']) {
      const text = await readFile(
        join(ELEMENTS, 'runtime-ssh-host-keys/init-scripts', init, 'runtime-ssh-host-keys'),
        'utf8',
      )
      expect(text).toContain('/usr/bin/ssh-keygen -A')
    }
  })
})

describe('svc-map under SysV init', () => {
  it('keeps the name of a service whose /etc/init.d script exists', async () => {
    const root = await useTempDir('iw-seed-svc-')
    await writeFiles(root, {
      'etc/init.d/local-svc': '#!/bin/sh\n',
      'usr/share/svc-map/services': 'local-svc: mapped-svc\nother: other-mapped\n',
    })
    const result = await runOnHost(
      [join(ELEMENTS, 'svc-map/bin/svc-map'), 'local-svc', 'other'],
      hookEnv({ SVC_MAP_ROOT: root }),
    )
    expect(result.stdout).toBe('local-svc\nother-mapped')
  })
})

describe('debian-minimal: DIB_DEBIAN_ALT_INIT_PACKAGE', () => {
  const ENV_FILE = join(ELEMENTS, 'debian-minimal/environment.d/11-debian-minimal-init-system.bash')
  const initFor = (value: string) =>
    runOnHost([
      'bash',
      '-c',
      `set -eu; DIB_DEBIAN_ALT_INIT_PACKAGE="$1"; source "${ENV_FILE}"; echo "$DIB_INIT_SYSTEM"`,
      'env',
      value,
    ])

  it('picks the init system from the package, systemd by default', async () => {
    expect((await initFor('')).stdout).toBe('systemd')
    expect((await initFor('sysvinit')).stdout).toBe('systemd')
    expect((await initFor('sysvinit-core')).stdout).toBe('sysv')
    expect((await initFor('openrc')).stdout).toBe('openrc')
    const bad = await initFor('runit-init')
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr).toContain(
      'DIB_DEBIAN_ALT_INIT_PACKAGE="runit-init" is not an init Debian ships',
    )
  })
})

describe('base: DIB_BASE_BASELINE_TOOLS by release', () => {
  const SCRIPT = `${IN_TARGET}/pre-install.d/03-base-baseline-tools`

  /** The install-packages calls the script makes in a root whose os-release names `codename`. */
  async function installsFor(
    distro: string,
    codename: string,
  ): Promise<{ calls: string; stderr: string }> {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'base/pre-install.d' })
    await writeFiles(root, {
      'etc/os-release': `ID=${distro}\nVERSION_CODENAME=${codename}\n`,
      'usr/local/bin/install-packages': script('echo "$*" >> /var/log/installs'),
      // The archive still has the transitional apt-transport-https.
      'usr/local/bin/apt-cache': script('exit 0'),
    })
    const result = await runInRoot(root, [SCRIPT], {
      DISTRO_NAME: distro,
      DIB_BASE_BASELINE_TOOLS: '1',
    })
    expect(result.exitCode, result.stderr).toBe(0)
    return { calls: await readFile(join(root, 'var/log/installs'), 'utf8'), stderr: result.stderr }
  }

  it('installs add-apt-repository up to Debian 12 and on Ubuntu, and says Debian 13 has none', async () => {
    expect((await installsFor('debian', 'bookworm')).calls).toBe(
      '-m base iscsi_package\nsoftware-properties-common apt-transport-https\n',
    )
    expect((await installsFor('ubuntu', 'noble')).calls).toBe(
      '-m base iscsi_package\nsoftware-properties-common apt-transport-https\n',
    )
    const trixie = await installsFor('debian', 'trixie')
    expect(trixie.calls).toBe('-m base iscsi_package\napt-transport-https\n')
    expect(trixie.stderr).toBe(
      'base: Debian "trixie" has no add-apt-repository (software-properties-common ended with Debian 12); the other baseline tools are installed',
    )
  })
})

describe('growroot: systemd only', () => {
  it('refuses another init system in root.d, before the build does any work', async () => {
    const check = join(ELEMENTS, 'growroot/root.d/01-growroot-init-check')
    expect((await runOnHost([check], hookEnv({ DIB_INIT_SYSTEM: 'systemd' }))).exitCode).toBe(0)
    const sysv = await runOnHost([check], hookEnv({ DIB_INIT_SYSTEM: 'sysv' }))
    expect(sysv.exitCode).toBe(1)
    expect(sysv.stderr).toBe(
      'growroot: DIB_INIT_SYSTEM="sysv" is not supported: growroot needs systemd (drop DIB_DEBIAN_ALT_INIT_PACKAGE, or leave out growroot)',
    )
  })
})

describe('cloud-init: init systems and the network on Debian 13', () => {
  it('refuses SysV init, and OpenRC on Debian, in root.d; systemd and an unknown init pass', async () => {
    const check = join(ELEMENTS, 'cloud-init/root.d/01-cloud-init-init-check')
    const run = (init: string, distro: string) =>
      runOnHost([check], hookEnv({ DIB_INIT_SYSTEM: init, DISTRO_NAME: distro }))
    expect((await run('systemd', 'debian')).exitCode).toBe(0)
    expect((await run('', 'debian')).exitCode).toBe(0)
    expect((await run('openrc', 'gentoo')).exitCode).toBe(0)
    const sysv = await run('sysv', 'debian')
    expect(sysv.exitCode).toBe(1)
    expect(sysv.stderr).toMatch(
      /^cloud-init: DIB_INIT_SYSTEM=sysv is not supported: cloud-init needs systemd \(drop DIB_DEBIAN_ALT_INIT_PACKAGE/,
    )
    const openrc = await run('openrc', 'debian')
    expect(openrc.exitCode).toBe(1)
    expect(openrc.stderr).toMatch(
      /^cloud-init: DIB_INIT_SYSTEM=openrc is not supported on debian: its cloud-init package has no OpenRC scripts/,
    )
  })

  const SCRIPT = `${IN_TARGET}/post-install.d/90-cloud-init-network`
  const DHCP =
    '# Written by the debootstrap element at image build time.\nauto /en*=wired /eth*=wired\niface wired inet dhcp\n'

  /** The script in a root whose /etc/debian_version says `version`; what it installed and left. */
  async function networkFor(version: string): Promise<{ root: string; calls: string }> {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'post-install.d': 'cloud-init/post-install.d' })
    await writeFiles(root, {
      'etc/debian_version': `${version}\n`,
      'etc/network/interfaces.d/dhcp': DHCP,
      'etc/.resolv.conf.systemd-resolved.bak': 'nameserver 192.0.2.1\n',
      'usr/local/bin/install-packages': script('echo "install-packages $*" >> /var/log/calls'),
      'usr/local/bin/systemctl': script('echo "systemctl $*" >> /var/log/calls'),
    })
    const result = await runInRoot(root, [SCRIPT], {
      DISTRO_NAME: 'debian',
      DIB_INIT_SYSTEM: 'systemd',
    })
    expect(result.exitCode, result.stderr).toBe(0)
    return { root, calls: await readFile(join(root, 'var/log/calls'), 'utf8').catch(() => '') }
  }

  it('moves Debian 13 and testing to netplan and systemd-networkd, and leaves Debian 12 on ifupdown', async () => {
    for (const version of ['13.8', 'forky/sid']) {
      const { root, calls } = await networkFor(version)
      expect(calls).toBe(
        'install-packages netplan.io systemd-resolved\nsystemctl enable systemd-networkd.service systemd-resolved.service\n',
      )
      expect(
        await readFile(join(root, 'etc/cloud/cloud.cfg.d/90-dib-network-renderer.cfg'), 'utf8'),
      ).toMatch(/renderers: \[netplan\]/)
      expect(await readFile(join(root, 'etc/systemd/network/90-dib-dhcp.network'), 'utf8')).toMatch(
        /^Name=en\* eth\*\n\n\[Network\]\nDHCP=yes\n$/m,
      )
      await expect(lstat(join(root, 'etc/network/interfaces.d/dhcp'))).rejects.toThrow()
      await expect(lstat(join(root, 'etc/.resolv.conf.systemd-resolved.bak'))).rejects.toThrow()
    }
    const { root, calls } = await networkFor('12.12')
    expect(calls).toBe('')
    expect(await readFile(join(root, 'etc/network/interfaces.d/dhcp'), 'utf8')).toBe(DHCP)
    await expect(
      lstat(join(root, 'etc/cloud/cloud.cfg.d/90-dib-network-renderer.cfg')),
    ).rejects.toThrow()
  })
})
