// Boots a real Debian kernel with a busybox initramfs under QEMU (TCG) and drives its console.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootTest, type BootTestOptions } from '../../src/boot/boot-test.ts'
import { BootTestError, ConfigError } from '../../src/errors.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { RecordingReporter, silentReporter } from '../../src/report/events.ts'
import { TEST_PASSWORD, TEST_USER, prepareBootFixture, type BootFixture } from './boot-fixture.ts'
import { hasQemu, ourQemuProcesses, qemuTempDir } from './boot-helpers.ts'

const BOOT_TIMEOUT_MS = 180_000
// TCG boots take 15-40 s here, more when other tests load the machine.
const TEST_TIMEOUT_MS = 600_000
const hostRunner = new ProcessRunner({ reporter: silentReporter })

describe.skipIf(!hasQemu())('boot test against a real kernel', () => {
  let fixture: BootFixture
  let work: string

  beforeAll(async () => {
    fixture = await prepareBootFixture(hostRunner)
    work = await mkdtemp(join(tmpdir(), 'iw-boot-it-'))
  }, 600_000)

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  function options(extra: Partial<BootTestOptions> = {}): BootTestOptions {
    return {
      kernel: { kernel: fixture.kernel, initrd: fixture.initrd, append: fixture.append },
      marker: /testvm login: $/,
      timeoutMs: BOOT_TIMEOUT_MS,
      stepTimeoutMs: 60_000,
      ...extra,
    }
  }

  it(
    'reaches the prompt, logs in, runs commands and leaves nothing behind',
    async () => {
      const reporter = new RecordingReporter()
      const runner = new ProcessRunner({ reporter })
      const consoleLog = join(work, 'console.log')
      const result = await bootTest(
        options({
          login: { user: TEST_USER, password: TEST_PASSWORD },
          commands: [
            'uname -r',
            `echo "it's"  quoted`,
            'false',
            'ls /nonexistent',
            'cd /proc; pwd',
          ],
          consoleLog,
        }),
        { runner, reporter },
      )
      expect(result.reachedMarkerAfterMs).toBeGreaterThan(0)
      expect(result.commands).toEqual([
        { command: 'uname -r', output: fixture.kernelRelease, exitStatus: 0 },
        { command: `echo "it's"  quoted`, output: "it's quoted", exitStatus: 0 },
        { command: 'false', output: '', exitStatus: 1 },
        {
          command: 'ls /nonexistent',
          output: expect.stringContaining('No such file or directory') as string,
          exitStatus: 1,
        },
        { command: 'cd /proc; pwd', output: '/proc', exitStatus: 0 },
      ])
      expect(result.ok).toBe(false)
      expect(result.consoleTail.length).toBeGreaterThan(0)

      const log = await readFile(consoleLog, 'utf8')
      expect(log).toContain('imagewright test VM is up')
      expect(log).toContain('Welcome to the imagewright test VM')
      expect(log).not.toMatch(/[\r\x1b]/)

      const events = reporter.events.map((e) => e.event)
      const steps = events.flatMap((e) => (e.kind === 'step-end' ? [[e.step, e.ok]] : []))
      expect(steps).toEqual([
        ['boot-test: boot', true],
        ['boot-test: login', true],
        ['boot-test: command 1', true],
        ['boot-test: command 2', true],
        ['boot-test: command 3', false],
        ['boot-test: command 4', false],
        ['boot-test: command 5', true],
        ['boot-test: shutdown', true],
      ])
      const consoleLines = events.filter((e) => e.kind === 'output' && e.label === 'console')
      expect(consoleLines.length).toBeGreaterThan(3)

      const dir = qemuTempDir(reporter)
      expect(existsSync(dir)).toBe(false)
      expect(await ourQemuProcesses(dir)).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'boots with a grown disk overlay and never writes to the image',
    async () => {
      const image = join(work, 'data.raw')
      const original = Buffer.alloc(64 * 1024 * 1024)
      original.write('ORIGINAL', 0)
      await writeFile(image, original)
      const write = 'printf CHANGED > /dev/vda && sync && head -c 7 /dev/vda'
      const grown = await bootTest(
        options({
          image,
          diskSize: 128 * 1024 * 1024,
          commands: ['cat /sys/block/vda/size', write],
          login: { user: TEST_USER, password: TEST_PASSWORD },
        }),
        { runner: hostRunner, reporter: silentReporter },
      )
      expect(grown.commands.map((c) => [c.output, c.exitStatus])).toEqual([
        [String((128 * 1024 * 1024) / 512), 0],
        ['CHANGED', 0],
      ])
      expect(grown.ok).toBe(true)

      const snapshot = await bootTest(
        options({
          image,
          commands: ['cat /sys/block/vda/size', write],
          login: { user: TEST_USER, password: TEST_PASSWORD },
        }),
        { runner: hostRunner, reporter: silentReporter },
      )
      expect(snapshot.commands.map((c) => c.output)).toEqual([
        String((64 * 1024 * 1024) / 512),
        'CHANGED',
      ])
      expect((await readFile(image)).subarray(0, 8).toString()).toBe('ORIGINAL')
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'shows a disk partitioned for 4096-byte sectors as a 4Kn disk, raw or qcow2',
    async () => {
      // An empty GPT written on a 4Kn loop device would look like this: its header in sector 1
      const raw = join(work, '4kn.raw')
      const disk = Buffer.alloc(64 * 1024 * 1024)
      disk.writeUInt16LE(0xaa55, 510)
      disk.write('EFI PART', 4096, 'latin1')
      await writeFile(raw, disk)
      const qcow2 = join(work, '4kn.qcow2')
      await hostRunner.run(
        { argv: ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2] },
        { quiet: true },
      )
      const sectors =
        'cat /sys/block/vda/queue/logical_block_size /sys/block/vda/queue/physical_block_size'
      for (const image of [raw, qcow2]) {
        const result = await bootTest(
          options({
            image,
            commands: [sectors],
            login: { user: TEST_USER, password: TEST_PASSWORD },
          }),
          { runner: hostRunner, reporter: silentReporter },
        )
        expect(result.commands[0]).toEqual({
          command: sectors,
          output: '4096\n4096',
          exitStatus: 0,
        })
      }
      // BIOS boot code reads 512-byte sectors: booting such a disk with SeaBIOS is refused up front
      const reporter = new RecordingReporter()
      const refused = await bootTest(
        { image: qcow2, firmware: 'bios', timeoutMs: BOOT_TIMEOUT_MS },
        { runner: hostRunner, reporter },
      ).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(ConfigError)
      expect((refused as Error).message).toBe(
        `Cannot boot "${qcow2}" with BIOS firmware: its disk has 4096-byte sectors, and BIOS boot code reads 512-byte sectors only`,
      )
      expect(
        reporter.events.some(
          (e) => e.event.kind === 'command' && e.event.argv[0] === 'qemu-system-x86_64',
        ),
      ).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'fails with the console tail when the login is refused',
    async () => {
      const reporter = new RecordingReporter()
      const runner = new ProcessRunner({ reporter })
      const error = await bootTest(options({ login: { user: TEST_USER, password: 'wrong' } }), {
        runner,
        reporter,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BootTestError)
      const message = (error as Error).message
      expect(message).toMatch(
        /^Boot test failed: the guest refused the login \("Login incorrect"\)/,
      )
      expect(message).toContain('console lines:\n')
      expect(message).toContain('  testvm login: ')
      const dir = qemuTempDir(reporter)
      expect(existsSync(dir)).toBe(false)
      expect(await ourQemuProcesses(dir)).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'stops at a kernel panic instead of waiting for the timeout',
    async () => {
      const reporter = new RecordingReporter()
      const runner = new ProcessRunner({ reporter })
      const started = Date.now()
      // No initramfs and no root disk: the kernel cannot mount a root file system.
      const error = await bootTest(
        { kernel: { kernel: fixture.kernel, append: 'console=ttyS0' }, timeoutMs: BOOT_TIMEOUT_MS },
        { runner, reporter },
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BootTestError)
      // Debian's kernel waits forever after a panic (panic=0), so only the pattern can end this.
      expect((error as Error).message).toMatch(
        /^Boot test failed: the console showed "Kernel panic - not syncing" before the login prompt/,
      )
      expect((error as Error).message).toContain('Kernel panic')
      expect(Date.now() - started).toBeLessThan(BOOT_TIMEOUT_MS)
      expect(await ourQemuProcesses(qemuTempDir(reporter))).toEqual([])
    },
    TEST_TIMEOUT_MS,
  )

  it(
    'boots through UEFI firmware (OVMF)',
    async () => {
      const reporter = new RecordingReporter()
      const runner = new ProcessRunner({ reporter })
      const result = await bootTest(
        options({
          firmware: 'uefi',
          login: { user: TEST_USER, password: TEST_PASSWORD },
          commands: ['test -d /sys/firmware/efi && echo efi'],
        }),
        { runner, reporter },
      )
      expect(result.commands[0]).toMatchObject({ output: 'efi', exitStatus: 0 })
      const argv = reporter.events.flatMap((e) =>
        e.event.kind === 'command' ? [e.event.argv] : [],
      )
      const qemu = argv.find((a) => a[0] === 'qemu-system-x86_64') ?? []
      expect(qemu.join(' ')).toContain('if=pflash,unit=0,format=raw,readonly=on')
      expect(existsSync(qemuTempDir(reporter))).toBe(false)
    },
    TEST_TIMEOUT_MS,
  )
})
