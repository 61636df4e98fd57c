// Fast real builds with the test-only host-os element: every phase runs, nothing is downloaded.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, hostSnapshot, runCli, type HostSnapshot } from '../helpers/cli.ts'
import { hookScript, hostOsEnv, writeTestElement } from '../helpers/host-os-work.ts'

let work: string
let before: HostSnapshot

const writeElement = (name: string, files: Record<string, string>): void =>
  writeTestElement(work, name, files)
const script = hookScript

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iw-system-'))
  mkdirSync(join(work, 'tmp'), { recursive: true })
  before = hostSnapshot(work)
  writeElement('fail-install', {
    'install.d/50-break-things': script('echo "about to fail"\necho "disk is full" >&2\nexit 3'),
  })
  writeElement('slow-install', {
    'install.d/50-take-a-nap': script('echo "napping now"\nsleep 300'),
  })
  writeElement('leaky', {
    'install.d/30-leak': script(
      'mkdir -p /etc/ssh\ntouch /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub\necho "id" > /etc/machine-id\necho history > /root/.bash_history',
    ),
  })
  writeElement('secret-leak', {
    'install.d/30-leak': script('echo "password=$DIB_ADMIN_PASSWORD" > /etc/app.conf'),
  })
  writeElement('marker', {
    'install.d/20-write-marker': script(
      'echo "installed by marker" > /etc/marker\necho "$IMAGE_NAME" > /etc/marker-image-name',
    ),
    'root.d/90-check-target-root': script('test -d "$TARGET_ROOT/etc"'),
    'finalise.d/90-finalise-marker': script('echo finalised > /etc/finalised'),
    'environment.d/10-marker.bash': 'export MARKER_VALUE=from-environment-d\n',
    'post-install.d/10-env-check': script(
      'test "$MARKER_VALUE" = from-environment-d\necho "$MARKER_VALUE" > /etc/marker-env',
    ),
  })
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

const env = (): Record<string, string> => hostOsEnv(work)

function expectHostClean(): void {
  expect(hostSnapshot(work)).toEqual(before)
}

describe('host-os builds', () => {
  it('runs every phase and writes tar and raw outputs', async () => {
    // As in DIB, the directory of -o must exist: it is refused before any work otherwise.
    mkdirSync(join(work, 'out'), { recursive: true })
    const result = await runCli(DIB_BIN, {
      args: ['-n', '-o', join(work, 'out', 'img'), '-t', 'tar,raw', 'host-os', 'marker'],
      env: env(),
    })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const listing = execFileSync('tar', ['-tf', join(work, 'out', 'img.tar')], { encoding: 'utf8' })
    expect(listing).toMatch(/^\.\/etc\/marker$/m)
    expect(listing).toMatch(/^\.\/etc\/finalised$/m)
    expect(listing).toMatch(/^\.\/etc\/fstab$/m)
    const marker = execFileSync(
      'tar',
      ['-xOf', join(work, 'out', 'img.tar'), './etc/marker-env', './etc/marker-image-name'],
      { encoding: 'utf8' },
    )
    expect(marker).toBe(`from-environment-d\n${join(work, 'out', 'img')}\n`)
    const fsType = execFileSync(
      'blkid',
      ['-o', 'value', '-s', 'TYPE', join(work, 'out', 'img.raw')],
      { encoding: 'utf8' },
    )
    expect(fsType.trim()).toBe('ext4')
    // losetup's answer is data, not a log line
    expect(result.stdout).not.toMatch(/^\/dev\/loop\d+$/m)
    expectHostClean()
  })

  it('gives the same tar, byte for byte, from the same inputs with SOURCE_DATE_EPOCH', async () => {
    const sums: string[] = []
    // the same -o (the marker element writes IMAGE_NAME into the image), in two directories
    for (const name of ['repro-a', 'repro-b']) {
      mkdirSync(join(work, name))
      const result = await runCli(DIB_BIN, {
        args: ['-n', '--checksum', '-o', 'img', '-t', 'tar', 'host-os', 'marker'],
        env: { ...env(), SOURCE_DATE_EPOCH: '1700000000', IMAGEWRIGHT_UUID_SEED: 'repro' },
        cwd: join(work, name),
      })
      expect(result.code).toBe(0)
      sums.push(readFileSync(join(work, name, 'img.tar.sha256'), 'utf8').split(' ')[0] ?? '')
    }
    // the SBOMs beside the image are reproducible too
    for (const sbom of ['img.spdx.json', 'img.cdx.json']) {
      expect(readFileSync(join(work, 'repro-b', sbom), 'utf8')).toBe(
        readFileSync(join(work, 'repro-a', sbom), 'utf8'),
      )
    }
    expect(readFileSync(join(work, 'repro-a', 'img.cdx.json'), 'utf8')).toContain(
      '"timestamp": "2023-11-14T22:13:20.000Z"',
    )
    expect(sums[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(sums[1]).toBe(sums[0])
    // every member's time is clamped to the epoch, so no build-time date leaks into the tar
    const times = execFileSync('tar', ['--full-time', '-tvf', join(work, 'repro-a', 'img.tar')], {
      encoding: 'utf8',
    })
    expect(times).toContain(' 2023-11-14 22:13:20 ./etc/marker\n')
    expect(times).not.toMatch(/ 202[4-9]-\d\d-\d\d /)
    expectHostClean()
  })

  it('strips machine id, SSH host keys and history, and says so', async () => {
    const result = await runCli(DIB_BIN, {
      args: ['-n', '-o', join(work, 'clean'), '-t', 'tar', 'host-os', 'leaky'],
      env: env(),
    })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Hygiene check passed')
    const listing = execFileSync('tar', ['-tf', join(work, 'clean.tar')], { encoding: 'utf8' })
    expect(listing).not.toMatch(/ssh_host_/)
    expect(listing).not.toMatch(/\.bash_history/)
    expect(listing).toMatch(/multi-user\.target\.wants\/imagewright-ssh-host-keys\.service/)
    expect(
      execFileSync('tar', ['-xOf', join(work, 'clean.tar'), './etc/machine-id'], {
        encoding: 'utf8',
      }),
    ).toBe('')
    expectHostClean()
  })

  it('refuses to ship an image that contains a DIB_* secret, naming the file', async () => {
    const result = await runCli(DIB_BIN, {
      args: ['-n', '-o', join(work, 'leak'), '-t', 'tar', 'host-os', 'secret-leak'],
      env: { ...env(), DIB_ADMIN_PASSWORD: 'hunter2-very-secret' },
    })
    expect(result.code).toBe(10)
    expect(result.stderr).toContain('/etc/app.conf contains the value of DIB_ADMIN_PASSWORD')
    expect(result.stderr).toContain('Code: ERR_IMAGE_HYGIENE')
    expect(existsSync(join(work, 'leak.tar'))).toBe(false)
    expectHostClean()
  })

  it('names the failing script, its element and its last output, and leaves the host clean', async () => {
    const result = await runCli(DIB_BIN, {
      args: ['-n', '-o', join(work, 'fail'), '-t', 'tar', 'host-os', 'fail-install'],
      env: env(),
    })
    expect(result.code).toBe(5)
    expect(result.stderr).toContain(
      'Script "install.d/50-break-things" of element "fail-install" exited with status 3',
    )
    expect(result.stderr).toContain('disk is full')
    expect(result.stderr).toContain('Code: ERR_HOOK_FAILED')
    expectHostClean()
  })

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops on %s in the middle of a phase and releases everything',
    async (signal) => {
      const result = await runCli(DIB_BIN, {
        args: ['-n', '-o', join(work, 'interrupted'), '-t', 'tar', 'host-os', 'slow-install'],
        env: env(),
        interrupt: { when: /napping now/, signal },
        timeoutMs: 120_000,
      })
      expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143)
      expect(result.stderr).toContain(`Build interrupted by ${signal}`)
      expectHostClean()
    },
  )
})
