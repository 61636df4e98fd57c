// The host-os test element: its root.d builds a chroot that runs bash and the core tools, and
// its fake install-packages records requests instead of installing.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { script, writeFiles } from '../helpers/element-tree.ts'
import {
  DIB_RUN_PARTS,
  HOST_OS,
  makeHostOsRoot,
  placeHooks,
  runInRoot,
} from './elements-shell-fixture.ts'

const TOOLS = [
  'sh',
  'bash',
  'cat',
  'ls',
  'cp',
  'mkdir',
  'rm',
  'ln',
  'chmod',
  'env',
  'sort',
  'sed',
  'grep',
  'install',
  'readlink',
  'dirname',
  'basename',
  'stat',
  'touch',
  'mv',
  'find',
  'tr',
  'head',
  'tail',
  'id',
  'true',
  'false',
  'sync',
  'tar',
  'mktemp',
]

describe('host-os element', () => {
  it('root.d builds a root where bash runs', async () => {
    const root = await makeHostOsRoot()
    const result = await runInRoot(root, ['/bin/bash', '-c', 'echo ok'])
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok' })
  })

  it('every listed tool runs inside the root with its libraries', async () => {
    const root = await makeHostOsRoot()
    // `--version` loads the program and all its libraries; sh (dash) has no such option.
    const checks = TOOLS.filter((tool) => tool !== 'sh' && tool !== 'true' && tool !== 'false')
      .map((tool) => `${tool} --version > /dev/null 2>&1 || { echo "broken: ${tool}"; exit 1; }`)
      .join('\n')
    const result = await runInRoot(root, [
      '/bin/bash',
      '-c',
      `set -e\n${checks}\n/bin/sh -c 'exit 0'\ntrue\n! false\necho done`,
    ])
    expect(result.stdout).toBe('done')
    expect(result.exitCode).toBe(0)
    const who = await runInRoot(root, ['/bin/bash', '-c', 'id -un; ls -ld /tmp | cut -c1-10'])
    expect(who.stdout.split('\n')).toEqual(['root', 'drwxrwxrwt'])
  })

  it('lays out a merged /usr and the files hooks expect', async () => {
    const root = await makeHostOsRoot()
    const result = await runInRoot(root, [
      '/bin/bash',
      '-c',
      'readlink /bin /sbin /lib; . /etc/os-release; echo "$ID"; test -f /var/lib/host-os/packages && echo log',
    ])
    expect(result.stdout.split('\n')).toEqual(['usr/bin', 'usr/sbin', 'usr/lib', 'hostos', 'log'])
  })

  it('exports the test distribution settings', async () => {
    const env = await readFile(join(HOST_OS, 'environment.d/10-host-os.bash'), 'utf8')
    expect(env).toContain('export DISTRO_NAME=hostos')
    expect(env).toContain('export DIB_RELEASE=test')
    expect(env).toContain('export DIB_INIT_SYSTEM=systemd')
    expect((await stat(join(HOST_OS, 'environment.d/10-host-os.bash'))).mode & 0o111).toBe(0)
    expect(await readFile(join(HOST_OS, 'element-provides'), 'utf8')).toBe('operating-system\n')
  })

  it('install-packages records installs, removals and upgrades', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'bin/install-packages': join(HOST_OS, 'bin/install-packages') })
    const tool = '/tmp/in_target.d/bin/install-packages'
    for (const args of [['vim', 'curl'], ['-e', 'nano'], ['-u'], []]) {
      const result = await runInRoot(root, [tool, ...args])
      expect(result.exitCode).toBe(0)
    }
    expect((await runInRoot(root, [tool, '-u', 'vim'])).exitCode).toBe(1)
    expect((await runInRoot(root, [tool, '-x'])).exitCode).toBe(1)
    const log = await readFile(join(root, 'var/lib/host-os/packages'), 'utf8')
    expect(log).toBe('install vim curl\nerase nano\nupgrade\n')
  })

  it('install-packages -m maps names through pkg-map when it exists', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { 'bin/install-packages': join(HOST_OS, 'bin/install-packages') })
    await writeFiles(root, {
      'usr/local/bin/pkg-map': script(
        '[ "$1 $2" = "--element base" ] || exit 9\nshift 2\nfor n in "$@"; do echo "mapped-$n"; done',
      ),
    })
    const result = await runInRoot(root, [
      '/tmp/in_target.d/bin/install-packages',
      '-m',
      'base',
      'a',
      'b',
    ])
    expect(result.exitCode).toBe(0)
    expect(await readFile(join(root, 'var/lib/host-os/packages'), 'utf8')).toBe(
      'install mapped-a mapped-b\n',
    )
  })

  it('runs dib-run-parts inside the root without /dev or /proc', async () => {
    const root = await makeHostOsRoot()
    await placeHooks(root, { '.imagewright/bin/dib-run-parts': DIB_RUN_PARTS })
    await writeFiles(join(root, 'tmp/in_target.d'), {
      'environment.d/10-value': 'export VALUE=from-env\n',
      'install.d/10-write': script('echo "$VALUE" > /tmp/result'),
    })
    const result = await runInRoot(root, [
      '/tmp/in_target.d/.imagewright/bin/dib-run-parts',
      '/tmp/in_target.d/install.d',
    ])
    expect(result.exitCode).toBe(0)
    expect(await readFile(join(root, 'tmp/result'), 'utf8')).toBe('from-env\n')
  })
})
