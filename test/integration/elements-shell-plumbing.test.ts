// The plumbing elements run for real in a host-os chroot: install-bin, install-static,
// dib-init-system and base, plus the environment.d files of the block-device elements.
import { lstat, readFile, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, useTempDir, writeFiles } from '../helpers/element-tree.ts'
import {
  ELEMENTS,
  hookEnv,
  HOST_OS,
  makeHostOsRoot,
  placeHooks,
  runInRoot,
  runOnHost,
} from './elements-shell-fixture.ts'

const IN_TARGET = '/tmp/in_target.d'

describe('install-bin', () => {
  it('installs every merged bin/ file into /usr/local/bin with mode 0755', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'install-bin/pre-install.d' })
    await writeFiles(join(root, IN_TARGET), {
      'bin/helper-one': { content: '#!/bin/sh\necho one\n', mode: 0o600 },
      'bin/helper-two': '#!/bin/sh\necho two\n',
      'bin/subdir/ignored': 'x\n',
    })
    const result = await runInRoot(root, [`${IN_TARGET}/pre-install.d/01-install-bin`])
    expect(result.exitCode).toBe(0)
    for (const name of ['helper-one', 'helper-two']) {
      const info = await stat(join(root, 'usr/local/bin', name))
      expect(info.mode & 0o7777).toBe(0o755)
      expect(info.uid).toBe(0)
    }
    expect((await runInRoot(root, ['helper-two'])).stdout).toBe('two')
    await expect(stat(join(root, 'usr/local/bin/subdir'))).rejects.toThrow()
  })

  it('does nothing without a bin/ directory', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'install-bin/pre-install.d' })
    expect((await runInRoot(root, [`${IN_TARGET}/pre-install.d/01-install-bin`])).exitCode).toBe(0)
  })
})

describe('install-static', () => {
  it('copies static/ onto / keeping links, modes of existing directories and skipping VCS files', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'install.d': 'install-static/install.d' })
    await writeFiles(join(root, IN_TARGET), {
      'static/etc/motd': 'hello\n',
      'static/usr/local/bin/tool': { content: '#!/bin/sh\necho tool\n', mode: 0o755 },
      'static/etc/alias-link': { symlink: 'motd' },
      'static/bin/in-bin': { content: '#!/bin/sh\necho in-bin\n', mode: 0o755 },
      'static/tmp/.keep': '',
      'static/etc/.git/config': 'vcs\n',
      'static/etc/motd~': 'backup\n',
    })
    const result = await runInRoot(root, [`${IN_TARGET}/install.d/10-install-static`])
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(await readFile(join(root, 'etc/motd'), 'utf8')).toBe('hello\n')
    expect(await readlink(join(root, 'etc/alias-link'))).toBe('motd')
    expect((await stat(join(root, 'usr/local/bin/tool'))).mode & 0o777).toBe(0o755)
    // /bin stays a link into /usr: the file lands in /usr/bin.
    expect((await lstat(join(root, 'bin'))).isSymbolicLink()).toBe(true)
    expect(await readFile(join(root, 'usr/bin/in-bin'), 'utf8')).toContain('in-bin')
    expect((await stat(join(root, 'tmp'))).mode & 0o7777).toBe(0o1777)
    await expect(stat(join(root, 'etc/.git'))).rejects.toThrow()
    await expect(stat(join(root, 'etc/motd~'))).rejects.toThrow()
    expect((await stat(join(root, 'etc/motd'))).uid).toBe(0)
  })
})

describe('dib-init-system', () => {
  async function rootWithInitScripts(): Promise<string> {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'pre-install.d': 'dib-init-system/pre-install.d' })
    await writeFiles(join(root, IN_TARGET), {
      'init-scripts/systemd/demo.service': '[Unit]\nDescription=demo\n',
      'init-scripts/sysv/demo': '#!/bin/sh\n',
    })
    return root
  }

  it('writes a dib-init-system command and installs the systemd units', async () => {
    const root = await rootWithInitScripts()
    const result = await runInRoot(root, [`${IN_TARGET}/pre-install.d/02-dib-init-system`], {
      DIB_INIT_SYSTEM: 'systemd',
    })
    expect(result.exitCode).toBe(0)
    // The answer is fixed at build time: no environment needed afterwards.
    expect((await runInRoot(root, ['dib-init-system'])).stdout).toBe('systemd')
    const unit = await stat(join(root, 'usr/lib/systemd/system/demo.service'))
    expect(unit.mode & 0o777).toBe(0o644)
    await expect(stat(join(root, 'etc/init.d/demo'))).rejects.toThrow()
  })

  it('installs sysv scripts executable into /etc/init.d', async () => {
    const root = await rootWithInitScripts()
    const result = await runInRoot(root, [`${IN_TARGET}/pre-install.d/02-dib-init-system`], {
      DIB_INIT_SYSTEM: 'sysv',
    })
    expect(result.exitCode).toBe(0)
    expect((await stat(join(root, 'etc/init.d/demo'))).mode & 0o777).toBe(0o755)
  })

  it.each([
    ['', 'is not set'],
    ['runit', '"runit" is not one of'],
  ])('root.d rejects DIB_INIT_SYSTEM=%j', async (value, message) => {
    const env = hookEnv(value ? { DIB_INIT_SYSTEM: value } : {})
    const result = await runOnHost(
      [join(ELEMENTS, 'dib-init-system/root.d/01-dib-init-system-check')],
      env,
    )
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain(message)
  })

  it('root.d accepts the known init systems', async () => {
    for (const init of ['systemd', 'upstart', 'openrc', 'sysv']) {
      const env = hookEnv({ DIB_INIT_SYSTEM: init })
      const result = await runOnHost(
        [join(ELEMENTS, 'dib-init-system/root.d/01-dib-init-system-check')],
        env,
      )
      expect(result.exitCode).toBe(0)
    }
  })
})

describe('base', () => {
  async function rootWithBase(): Promise<string> {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'install.d': 'base/install.d' })
    // Where install-bin would have put the OS element's helper.
    await writeFiles(root, {
      'usr/local/bin/install-packages': {
        content: await readFile(join(HOST_OS, 'bin/install-packages'), 'utf8'),
        mode: 0o755,
      },
    })
    return root
  }

  it('upgrades every package unless DIB_AVOID_PACKAGES_UPDATE=1', async () => {
    const root = await rootWithBase()
    const upgrade = `${IN_TARGET}/install.d/00-base-upgrade-packages`
    expect((await runInRoot(root, [upgrade])).exitCode).toBe(0)
    expect((await runInRoot(root, [upgrade], { DIB_AVOID_PACKAGES_UPDATE: '1' })).exitCode).toBe(0)
    expect(await readFile(join(root, 'var/lib/host-os/packages'), 'utf8')).toBe('upgrade\n')
  })

  it('declares its dependencies and package defaults', async () => {
    const deps = await readFile(join(ELEMENTS, 'base/element-deps'), 'utf8')
    expect(deps.trim().split('\n')).toEqual([
      'dib-init-system',
      'install-bin',
      'install-types',
      'package-installs',
      'pkg-map',
    ])
    const defaults = await sourceEnvironment(['base/environment.d/10-base-defaults.bash'], {})
    expect(defaults).toMatchObject({
      DIB_AVOID_PACKAGES_UPDATE: '0',
      DIB_SKIP_BASE_PACKAGE_INSTALL: '0',
    })
  })
})

/** Source environment files in bash (set -eu, as the core does) and return the result. */
async function sourceEnvironment(
  files: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<Record<string, string> & { exitCode: string; stderr: string }> {
  const dir = await useTempDir('iw-env-')
  const dump = join(dir, 'env')
  const body = [
    'set -eu',
    ...files.map((file) => `source ${JSON.stringify(join(ELEMENTS, file))}`),
    `env > ${JSON.stringify(dump)}`,
  ].join('\n')
  const result = await runOnHost(['bash', '-c', body], hookEnv(env))
  const vars: Record<string, string> = {}
  const text = await readFile(dump, 'utf8').catch(() => '')
  for (const line of text.split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) vars[line.slice(0, at)] = line.slice(at + 1)
  }
  return { ...vars, exitCode: String(result.exitCode), stderr: result.stderr }
}

describe('block-device elements', () => {
  it.each([
    ['mbr', 'amd64', '0'],
    ['mbr', 'arm64', '1'],
    ['gpt', 'amd64', '0'],
    ['gpt', 'aarch64', '1'],
    ['efi', 'arm64', '0'],
    ['efi', 'ppc64le', '1'],
  ])('block-device-%s on %s exits %s', async (kind, arch, exitCode) => {
    const result = await sourceEnvironment(
      [`block-device-${kind}/environment.d/10-block-device-${kind}.bash`],
      {
        ARCH: arch,
      },
    )
    expect(result.exitCode).toBe(exitCode)
    if (exitCode === '0') expect(result['DIB_BLOCK_DEVICE']).toBe(kind)
    else expect(result.stderr).toContain(`block-device-${kind} cannot be used on ${arch}`)
  })

  it('bootloader defaults leave an exported DIB_BLOCK_DEVICE alone', async () => {
    const result = await sourceEnvironment(
      [
        'block-device-efi/environment.d/10-block-device-efi.bash',
        'bootloader/environment.d/90-bootloader-defaults.bash',
      ],
      { ARCH: 'amd64' },
    )
    expect(result).toMatchObject({ DIB_BLOCK_DEVICE: 'efi', DIB_SKIP_GRUB_PACKAGE_INSTALL: '0' })
    const alone = await sourceEnvironment(
      ['bootloader/environment.d/90-bootloader-defaults.bash'],
      {},
    )
    expect(alone['DIB_BLOCK_DEVICE']).toBe('')
  })

  it('the empty vm element only pulls in a block device and a bootloader', async () => {
    expect(await readFile(join(ELEMENTS, 'vm/element-deps'), 'utf8')).toBe(
      'block-device\nbootloader\n',
    )
  })
})

describe('dib-run-parts element', () => {
  it('installs the build dib-run-parts into the image', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, {
      'install.d': 'dib-run-parts/install.d',
      '.imagewright/bin/dib-run-parts': join(ELEMENTS, '../libexec/dib-run-parts'),
    })
    await writeFiles(root, { 'tmp/phase.d/10-x': script('echo ran') })
    expect((await runInRoot(root, [`${IN_TARGET}/install.d/05-dib-run-parts`])).exitCode).toBe(0)
    const result = await runInRoot(root, ['dib-run-parts', '/tmp/phase.d'])
    expect(result.stdout).toBe('ran')
  })
})
