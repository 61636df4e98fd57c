// Failure paths of the boot test with a real QEMU: every one must end QEMU and remove the temp
// dir. These need no kernel download: a disk whose boot sector spins forever never boots.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootTest } from '../../src/boot/boot-test.ts'
import { BootTestError, ConfigError, HostRequirementError } from '../../src/errors.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { RecordingReporter } from '../../src/report/events.ts'
import { hasQemu, ourQemuProcesses, qemuTempDir } from './boot-helpers.ts'

describe.skipIf(!hasQemu())('boot test failure paths', () => {
  let work: string
  let blank: string
  let temps: string

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'iw-boot-fail-'))
    blank = join(work, 'blank.raw')
    // "jmp $" and the boot signature: a disk the boot test accepts, on which nothing happens.
    const disk = Buffer.alloc(1024 * 1024)
    disk.set([0xeb, 0xfe], 0)
    disk.set([0x55, 0xaa], 510)
    await writeFile(blank, disk)
  })

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true })
  })

  async function run(options: Parameters<typeof bootTest>[0]) {
    const reporter = new RecordingReporter()
    const runner = new ProcessRunner({ reporter })
    temps = await mkdtemp(join(work, 'temps-'))
    const error = await bootTest({ tempParent: temps, ...options }, { runner, reporter }).then(
      () => new Error('bootTest unexpectedly succeeded'),
      (e: unknown) => e as Error,
    )
    return { error, reporter }
  }

  async function expectNothingLeft(reporter: RecordingReporter): Promise<void> {
    expect(await readdir(temps)).toEqual([])
    expect(await ourQemuProcesses(qemuTempDir(reporter))).toEqual([])
  }

  it('times out when the marker never comes, and QEMU is gone afterwards', async () => {
    const consoleLog = join(work, 'timeout.log')
    const started = Date.now()
    const { error, reporter } = await run({ image: blank, timeoutMs: 3_000, consoleLog })
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(error).toBeInstanceOf(BootTestError)
    expect(error.message).toBe(
      'Boot test failed: no login prompt after 3 s\nThe console printed nothing',
    )
    expect((error as BootTestError).hint).toMatch(/console=ttyS0/)
    expect(await readFile(consoleLog, 'utf8')).toBe('')
    const ends = reporter.events.flatMap((e) => (e.event.kind === 'step-end' ? [e.event] : []))
    expect(ends.map((e) => [e.step, e.ok])).toEqual([
      ['boot-test: boot', false],
      ['boot-test: shutdown', true],
    ])
    await expectNothingLeft(reporter)
  })

  it('names a custom marker in the timeout message', async () => {
    const { error, reporter } = await run({ image: blank, timeoutMs: 2_000, marker: /READY/ })
    expect(error.message).toMatch(/^Boot test failed: no output matching \/READY\/ after 2 s/)
    await expectNothingLeft(reporter)
  })

  it('stops when the caller aborts', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 1_500)
    const { error, reporter } = await run({ image: blank, signal: controller.signal })
    expect(error).toBeInstanceOf(BootTestError)
    expect(error.message).toMatch(/^Boot test failed: aborted while waiting for the login prompt/)
    await expectNothingLeft(reporter)
  })

  it('reports what QEMU said when it cannot start the VM', async () => {
    const { error, reporter } = await run({ image: blank, format: 'qcow2', timeoutMs: 60_000 })
    expect(error).toBeInstanceOf(BootTestError)
    const [first, said] = error.message.split('\n')
    expect(first).toBe(
      'Boot test failed: QEMU stopped (exit code 1) while waiting for the login prompt',
    )
    expect(said).toMatch(/^ {2}qemu-system-x86_64: .*qcow2/)
    expect(error.message).not.toContain('waiting for connection')
    await expectNothingLeft(reporter)
  })

  it('stops a long-running command through RunOptions.signal (how QEMU is killed)', async () => {
    const runner = new ProcessRunner({ reporter: new RecordingReporter() })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 200)
    const started = Date.now()
    const result = await runner.run(
      { argv: ['sleep', '30'] },
      { signal: controller.signal, allowFailure: true, quiet: true },
    )
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.exitCode).not.toBe(0)
  })

  it('refuses a disk size smaller than the image, leaving no temp dir', async () => {
    const { error } = await run({ image: blank, diskSize: 4096 })
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toMatch(/smaller than the image's 1048576 bytes/)
    expect(await readdir(temps)).toEqual([])
  })

  it.each([
    [{ image: join('/nonexistent', 'x.qcow2') }, ConfigError, /no such image/],
    [{}, ConfigError, /give an image, an ISO or a kernel/],
    [{ image: 'x', cpus: 0 }, ConfigError, /"cpus": "0" is not a positive integer/],
    [
      { image: 'x', firmware: 'uefi', ovmf: { code: '/nonexistent/CODE.fd', vars: '/x' } },
      HostRequirementError,
      /firmware "\/nonexistent\/CODE.fd" is missing/,
    ],
  ] as const)('rejects bad options %j before starting QEMU', async (options, type, message) => {
    const { error, reporter } = await run(options)
    expect(error).toBeInstanceOf(type)
    expect(error.message).toMatch(message)
    expect(reporter.events.some((e) => e.event.kind === 'command')).toBe(false)
    expect(await readdir(temps)).toEqual([])
  })
})
