// Every disk-image-create option has an effect a user can see; checked on fast host-os builds.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, HOST_OS_ELEMENTS, runCli } from '../helpers/cli.ts'

let work: string
const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' })

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-options-'))
  mkdirSync(join(work, 'tmp'))
  const path = join(work, 'elements', 'show-env', 'install.d', '50-show-env')
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(
    path,
    '#!/bin/bash\nset -eu\nenv | grep -E "^(DIB_|ARCH=|IMAGE_|MAX_ONLINE|COMPRESS|SKIP_BASE|INSTALL_PACKAGES|FS_TYPE)" | sort > /etc/build-env\n',
  )
  chmodSync(path, 0o755)
  const fail = join(work, 'elements', 'fail', 'install.d', '50-fail')
  mkdirSync(join(fail, '..'), { recursive: true })
  writeFileSync(fail, '#!/bin/bash\nexit 1\n')
  chmodSync(fail, 0o755)
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ELEMENTS_PATH: `${join(work, 'elements')}:${HOST_OS_ELEMENTS}`,
  TMPDIR: join(work, 'tmp'),
  ...extra,
})

async function build(name: string, args: string[], extra: Record<string, string> = {}) {
  const result = await runCli(DIB_BIN, {
    args: ['-n', '-o', join(work, name), ...args, 'host-os', 'show-env'],
    env: env(extra),
    cwd: work,
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return result
}

const buildEnv = (tar: string): string =>
  execFileSync('tar', ['-xOf', tar, './etc/build-env'], { encoding: 'utf8' })

describe('disk-image-create options', () => {
  it('--checksum writes verifiable .md5 and .sha256 files for every output', async () => {
    await build('sums', ['--checksum', '-t', 'tar,qcow2'])
    for (const file of ['sums.tar', 'sums.qcow2']) {
      expect(sh(`cd ${work} && md5sum -c ${file}.md5 && sha256sum -c ${file}.sha256`)).toContain(
        `${file}: OK`,
      )
    }
  })

  it('-u leaves qcow2 uncompressed; the default compresses it', async () => {
    await build('packed', ['-t', 'qcow2'])
    await build('plain', ['-u', '-t', 'qcow2'])
    const compressed = (f: string): number =>
      (
        JSON.parse(sh(`qemu-img check --output=json ${join(work, f)}`)) as {
          'compressed-clusters'?: number
        }
      )['compressed-clusters'] ?? 0
    expect(compressed('packed.qcow2')).toBeGreaterThan(0)
    expect(compressed('plain.qcow2')).toBe(0)
  })

  it('--qemu-img-options reaches qemu-img convert', async () => {
    await build('compat', ['-t', 'qcow2', '--qemu-img-options', 'compat=0.10'])
    expect(
      JSON.parse(sh(`qemu-img info --output=json ${join(work, 'compat.qcow2')}`))['format-specific']
        .data.compat,
    ).toBe('0.10')
  })

  it('--image-size fixes the disk size; --root-label and FS_TYPE shape the root filesystem', async () => {
    await build('sized', ['-t', 'raw', '--image-size', '1.5', '--root-label', 'myroot'], {
      FS_TYPE: 'xfs',
    })
    expect(
      JSON.parse(sh(`qemu-img info --output=json ${join(work, 'sized.raw')}`))['virtual-size'],
    ).toBe(1.5 * 1024 ** 3)
    expect(sh(`blkid -o export ${join(work, 'sized.raw')}`)).toMatch(
      /LABEL=myroot[\s\S]*TYPE=xfs|TYPE=xfs[\s\S]*LABEL=myroot/,
    )
  })

  it('--image-extra-size and --mkfs-journal-size are accepted (DIB rejects them)', async () => {
    await build('extra', ['-t', 'raw', '--image-extra-size', '300', '--mkfs-journal-size', '8'])
    const size = JSON.parse(sh(`qemu-img info --output=json ${join(work, 'extra.raw')}`))[
      'virtual-size'
    ] as number
    expect(size).toBeGreaterThan(300 * 1024 ** 2)
    expect(size).toBeLessThan(400 * 1024 ** 2)
    expect(sh(`dumpe2fs -h ${join(work, 'extra.raw')} 2>/dev/null`)).toMatch(
      /Total journal size:\s+8M/,
    )
  })

  it('--mkfs-options and --max-online-resize reach mkfs of the root filesystem', async () => {
    await build('mkfs', [
      '-t',
      'raw',
      '--mkfs-options',
      '-m 0 -O ^dir_index',
      '--max-online-resize',
      '1000000',
    ])
    const header = sh(`dumpe2fs -h ${join(work, 'mkfs.raw')} 2>/dev/null`)
    expect(header).toMatch(/Reserved block count:\s+0$/m)
    expect(header).toMatch(/^Filesystem features:/m)
    expect(header).not.toMatch(/dir_index/)
    expect(header).toMatch(/Reserved GDT blocks:\s+\d+/)
  })

  it('-p installs extra packages after install.d with install-packages', async () => {
    await build('pkgs', ['-t', 'tar', '-p', 'alpha,beta', '-p', 'gamma', 'install-bin'])
    expect(
      execFileSync('tar', ['-xOf', join(work, 'pkgs.tar'), './var/lib/host-os/packages'], {
        encoding: 'utf8',
      }),
    ).toContain('install alpha beta gamma')
  })

  it('exports the option values to element scripts', async () => {
    await build('envs', [
      '-t',
      'tar',
      '-a',
      'amd64',
      '--offline',
      '--install-type',
      'package',
      '--image-cache',
      join(work, 'cache'),
      '--no-tmpfs',
      '--min-tmpfs',
      '3',
      '-x',
    ])
    const seen = buildEnv(join(work, 'envs.tar'))
    for (const line of [
      'ARCH=amd64',
      'DIB_OFFLINE=1',
      'DIB_DEFAULT_INSTALLTYPE=package',
      `DIB_IMAGE_CACHE=${join(work, 'cache')}`,
      'DIB_NO_TMPFS=1',
      'DIB_MIN_TMPFS=3',
      'DIB_DEBUG_TRACE=1',
      'SKIP_BASE=1',
      `IMAGE_NAME=${join(work, 'envs')}`,
    ]) {
      expect(seen).toContain(`${line}\n`)
    }
  })

  it('--logfile writes a timestamped log and keeps stdout quiet; DIB_QUIET=0 keeps both', async () => {
    const log = join(work, 'build.log')
    const quiet = await build('logged', ['-t', 'tar', '--logfile', log])
    expect(quiet.stdout.trim()).toBe(join(work, 'logged.tar'))
    expect(readFileSync(log, 'utf8')).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \| ==> phase install\.d/m,
    )
    const loud = await build('loud', ['-t', 'tar', '--logfile', join(work, 'loud.log')], {
      DIB_QUIET: '0',
    })
    expect(loud.stdout).toContain('==> phase install.d')
  })

  it('--json-log records every build event as a JSON line', async () => {
    const log = join(work, 'events.jsonl')
    await build('json', ['-t', 'tar', '--json-log', log])
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { kind: string; phase?: string; script?: string; time: string },
      )
    expect(events.every((e) => typeof e.time === 'string')).toBe(true)
    expect(
      events.some(
        (e) => e.kind === 'script-end' && e.phase === 'install.d' && e.script === '50-show-env',
      ),
    ).toBe(true)
    expect(events.some((e) => e.kind === 'artifact')).toBe(true)
  })

  it('renames an old image unless OVERWRITE_OLD_IMAGE is set', async () => {
    await build('again', ['-t', 'tar'])
    await build('again', ['-t', 'tar'])
    expect(
      readdirSync(work).filter((f) => /^again-\d{4}\.\d\d\.\d\d-\d\d\.\d\d\.\d\d\.tar$/.test(f)),
    ).toHaveLength(1)
    await build('again', ['-t', 'tar'], { OVERWRITE_OLD_IMAGE: '1' })
    expect(readdirSync(work).filter((f) => f.startsWith('again-'))).toHaveLength(1)
  })

  it('-o may name a directory, and -t docker writes an OCI archive tagged by --docker-target', async () => {
    mkdirSync(join(work, 'out'))
    await build(join('out', 'app'), ['-t', 'docker', '--docker-target', 'example/app:1.0'])
    const archive = join(work, 'out', 'app.oci.tar')
    expect(existsSync(archive)).toBe(true)
    const index = JSON.parse(
      execFileSync('tar', ['-xOf', archive, 'index.json'], { encoding: 'utf8' }),
    ) as { manifests: { annotations?: Record<string, string> }[] }
    expect(JSON.stringify(index.manifests[0]?.annotations)).toContain('example/app:1.0')
  })

  it('break=after-error runs break_cmd on the host when a chroot script fails', async () => {
    const sentinel = join(work, 'broke-here')
    const result = await runCli(DIB_BIN, {
      args: ['-n', '-t', 'tar', '-o', join(work, 'broken'), 'host-os', 'fail'],
      env: env({ break: 'after-error', break_outside_target: '1', break_cmd: `touch ${sentinel}` }),
      cwd: work,
    })
    expect(result.code).toBe(5)
    expect(existsSync(sentinel)).toBe(true)
  })
})
