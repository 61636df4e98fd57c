// A third-party element tree written only against DIB's documented contract, built with the
// download-free host-os element: each contract point must show its effect in the tar.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, HOST_OS_ELEMENTS, runCli, type CliResult } from '../helpers/cli.ts'

let work: string
let result: CliResult
const HEADER = '#!/bin/bash\nset -eu\nset -o pipefail\n'

function put(rel: string, content: string, executable = content.startsWith('#!')): void {
  const path = join(work, rel)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
  if (executable) chmodSync(path, 0o755)
}

const HOST_PHASES = ['root', 'extra-data', 'post-root', 'pre-finalise', 'cleanup'] as const
const CHROOT_PHASES = ['pre-install', 'install', 'post-install', 'finalise'] as const

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'iw-contract-'))
  const el = 'elements/acme'
  put(
    `${el}/element-deps`,
    'install-bin\ninstall-static\ninstall-types\npackage-installs\npkg-map\nsource-repositories\nsvc-map\n',
  )
  put(
    `${el}/environment.d/10-acme.bash`,
    'export ACME_GREETING=hello-from-environment-d\nexport ACME_FLAVOUR=${ACME_FLAVOUR:-vanilla}\n',
  )
  put(
    `${el}/package-installs.yaml`,
    [
      'acme-base:',
      'acme-pre:',
      '  phase: pre-install.d',
      'acme-post:',
      '  phase: post-install.d',
      'acme-amd64-only:',
      '  arch: amd64',
      'acme-arm-only:',
      '  arch: arm64',
      'acme-not-amd64:',
      '  not-arch: amd64',
      'acme-vanilla:',
      '  when: ACME_FLAVOUR = vanilla',
      'acme-chocolate:',
      '  when: ACME_FLAVOUR = chocolate',
      'acme-mapped:',
      'acme-build-tool:',
      '  build-only: true',
      '',
    ].join('\n'),
  )
  put(`${el}/pkg-map`, JSON.stringify({ default: { 'acme-mapped': 'acme-real-package' } }))
  put(`${el}/static/etc/acme/static.conf`, 'from static\n')
  put(`${el}/bin/acme-tool`, `${HEADER}echo acme-tool-works\n`)
  put(
    `${el}/install.d/acme-source-install/50-acme-install`,
    `${HEADER}mkdir -p /etc/acme && echo source > /etc/acme/installed-from\n`,
  )
  put(
    `${el}/install.d/acme-package-install/50-acme-install`,
    `${HEADER}mkdir -p /etc/acme && echo package > /etc/acme/installed-from\n`,
  )
  put(`${el}/svc-map`, 'acme-svc:\n  default: acme-daemon\n')
  put(
    `${el}/install.d/60-use-helpers`,
    `${HEADER}acme-tool > /etc/acme/tool-output\nsvc-map acme-svc > /etc/acme/svc-name\n`,
  )
  put('src/file.txt', 'fetched by source-repositories\n')
  mkdirSync(join(work, 'src/tarball/acme-1.0'), { recursive: true })
  writeFileSync(join(work, 'src/tarball/acme-1.0/README'), 'inside the tarball\n')
  execFileSync('tar', [
    '-C',
    join(work, 'src/tarball'),
    '-czf',
    join(work, 'src/acme.tar.gz'),
    'acme-1.0',
  ])
  put(
    `${el}/source-repository-acme`,
    [
      `acmefile file /opt/acme/file.txt file://${join(work, 'src/file.txt')}`,
      `acmetar tar /opt/acme/tarball file://${join(work, 'src/acme.tar.gz')} acme-1.0`,
      '',
    ].join('\n'),
  )
  for (const phase of HOST_PHASES) {
    const target = phase === 'root' || phase === 'cleanup' ? '$TARGET_ROOT' : '$TMP_MOUNT_PATH'
    put(
      `${el}/${phase}.d/90-acme-${phase}`,
      `${HEADER}mkdir -p ${target}/etc/acme/phases\necho "$ACME_GREETING" > ${target}/etc/acme/phases/${phase}\n`,
    )
  }
  // block-device.d runs before the filesystems exist: leave a note for cleanup.d to carry in.
  put(
    `${el}/block-device.d/90-acme-block-device`,
    `${HEADER}echo "$ACME_GREETING" > "$TMP_BUILD_DIR/acme-block-device"\n`,
  )
  put(
    `${el}/cleanup.d/91-acme-carry`,
    `${HEADER}cp "$TMP_BUILD_DIR/acme-block-device" "$TARGET_ROOT/etc/acme/phases/block-device"\n`,
  )
  for (const phase of CHROOT_PHASES) {
    put(
      `${el}/${phase}.d/90-acme-${phase}`,
      `${HEADER}mkdir -p /etc/acme/phases\necho "$ACME_GREETING" > /etc/acme/phases/${phase}\n`,
    )
  }
  mkdirSync(join(work, 'tmp'))
  result = await runCli(DIB_BIN, {
    args: ['-n', '-t', 'tar', '-o', join(work, 'acme'), 'host-os', 'acme'],
    env: {
      ELEMENTS_PATH: `${join(work, 'elements')}:${HOST_OS_ELEMENTS}`,
      TMPDIR: join(work, 'tmp'),
      DIB_INSTALLTYPE_acme: 'package',
      DIB_IMAGE_CACHE: join(work, 'cache'),
    },
  })
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

const read = (member: string): string =>
  execFileSync('tar', ['-xOf', join(work, 'acme.tar'), member], { encoding: 'utf8' })

describe('the DIB element contract', () => {
  it('builds', () => {
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
  })

  it('runs every phase, each seeing environment.d', () => {
    for (const phase of [...HOST_PHASES, ...CHROOT_PHASES, 'block-device']) {
      expect(read(`./etc/acme/phases/${phase}`), phase).toBe('hello-from-environment-d\n')
    }
  })

  it('installs package-installs.yaml packages by phase, arch, when and pkg-map, and removes build-only ones', () => {
    const log = read('./var/lib/host-os/packages')
    const installs = log
      .split('\n')
      .filter((l) => l.startsWith('install '))
      .join(' ')
    for (const pkg of [
      'acme-pre',
      'acme-base',
      'acme-amd64-only',
      'acme-vanilla',
      'acme-real-package',
      'acme-post',
      'acme-build-tool',
    ]) {
      expect(installs).toContain(pkg)
    }
    for (const pkg of ['acme-arm-only', 'acme-not-amd64', 'acme-chocolate', ' acme-mapped'])
      expect(installs).not.toContain(pkg)
    expect(log).toMatch(/^erase .*acme-build-tool/m)
    expect(log.indexOf('acme-pre')).toBeLessThan(log.indexOf('acme-base'))
    expect(log.indexOf('acme-base')).toBeLessThan(log.indexOf('acme-post'))
  })

  it('copies static/ into the image and bin/ into /usr/local/bin', () => {
    expect(read('./etc/acme/static.conf')).toBe('from static\n')
    expect(read('./etc/acme/tool-output')).toBe('acme-tool-works\n')
  })

  it('runs the install type chosen by DIB_INSTALLTYPE_<element>', () => {
    expect(read('./etc/acme/installed-from')).toBe('package\n')
  })

  it('fetches source-repository file and tar entries into the image', () => {
    expect(read('./opt/acme/file.txt')).toBe('fetched by source-repositories\n')
    expect(read('./opt/acme/tarball/README')).toBe('inside the tarball\n')
  })

  it('maps service names with svc-map', () => {
    expect(read('./etc/acme/svc-name')).toBe('acme-daemon\n')
  })
})
