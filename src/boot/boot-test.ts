// `imagewright boot-test`: boot a disk image (or a kernel) under QEMU, wait for a login prompt,
// optionally log in and run commands, and always leave no QEMU and no temp files behind.
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { ConfigError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { AsyncStack } from '../util/async-stack.ts'
import {
  CONSOLE_SCAN_LINES,
  CONSOLE_TAIL_LINES,
  explainFailure,
  type Stage,
} from './boot-failure.ts'
import { SerialConsole } from './console.ts'
import type { DiskFormat } from './disk-format.ts'
import type { ExtraDisk } from './extra-disks.ts'
import type { SectorSize } from '../util/sector-size.ts'
import {
  GuestShellError,
  logIn,
  runGuestCommand,
  waitForShell,
  type CommandOutcome,
  type LoginCredentials,
} from './guest-shell.ts'
import { DEFAULT_CPUS, DEFAULT_MEMORY_MIB, type DirectKernelBoot } from './qemu-argv.ts'
import { QemuProcess } from './qemu-process.ts'
import { connectUnixSocket } from './unix-socket.ts'
import { prepareVm, type AccelChoice, type FirmwareChoice } from './vm-setup.ts'

export const DEFAULT_BOOT_TIMEOUT_MS = 300_000
export const DEFAULT_STEP_TIMEOUT_MS = 120_000
export const DEFAULT_MARKER = /login:\s*$/m
/** Console output that means the boot has failed, so there is no point waiting longer. */
export const DEFAULT_FAIL_PATTERNS: readonly RegExp[] = [/Kernel panic - not syncing/]

export interface BootTestOptions {
  /** Disk image to boot; never modified (writes go to a throwaway snapshot or overlay). */
  readonly image?: string
  /** Skip detection (qemu-img info, then the extension). */
  readonly format?: DiskFormat
  /** Boot this kernel directly instead of (or as well as) booting from the disk. */
  readonly kernel?: DirectKernelBoot
  /** Boot this ISO image from a CD-ROM drive (the disk image, if any, is attached too). */
  readonly cdrom?: string
  /** Further disks, each behind its own controller (never modified). */
  readonly extraDisks?: readonly ExtraDisk[]
  /** BIOS (SeaBIOS) or UEFI (OVMF); by default BIOS unless the disk needs UEFI (4Kn). */
  readonly firmware?: FirmwareChoice
  readonly accel?: AccelChoice
  readonly memoryMiB?: number
  readonly cpus?: number
  /** Show the guest a disk of this many bytes (a qcow2 overlay), e.g. to test growroot. */
  readonly diskSize?: number
  /** Logical sector size of the disk (4096 for a 4Kn image); read from its GPT when absent. */
  readonly sectorSize?: SectorSize
  /** User-mode networking with a virtio NIC; on by default. */
  readonly network?: boolean
  /** Limit for reaching the marker, from QEMU's start. */
  readonly timeoutMs?: number
  /** Limit for each later step: logging in, and each command. */
  readonly stepTimeoutMs?: number
  readonly marker?: RegExp
  readonly failPatterns?: readonly RegExp[]
  readonly login?: LoginCredentials
  /** Shell commands run one by one after login; they read stdin from /dev/null. */
  readonly commands?: readonly string[]
  /** Write the whole console transcript here (also when the test fails). */
  readonly consoleLog?: string
  readonly signal?: AbortSignal
  readonly ovmf?: { readonly code: string; readonly vars: string }
  readonly qemuBinary?: string
  /** Where the private temp dir is created; os.tmpdir() by default. */
  readonly tempParent?: string
}

export interface BootTestDeps {
  readonly runner: Runner
  readonly reporter: Reporter
}

export interface BootTestResult {
  /** True when every command exited 0 (a boot that fails throws instead). */
  readonly ok: boolean
  readonly reachedMarkerAfterMs: number
  readonly commands: readonly CommandOutcome[]
  readonly consoleTail: readonly string[]
}

export async function bootTest(
  options: BootTestOptions,
  deps: BootTestDeps,
): Promise<BootTestResult> {
  checkOptions(options)
  const { runner, reporter } = deps
  const timeoutMs = options.timeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS
  const stepTimeoutMs = options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS
  const marker = options.marker ?? DEFAULT_MARKER
  const failPatterns = options.failPatterns ?? DEFAULT_FAIL_PATTERNS
  const nonce = randomBytes(4).toString('hex')
  const steps = new StepReporter(reporter)
  const stack = new AsyncStack()
  let stage: Stage = { kind: 'prepare' }
  let vm: QemuProcess | undefined
  let terminal: SerialConsole | undefined
  try {
    steps.begin('boot-test: boot', options.kernel?.kernel ?? options.cdrom ?? options.image)
    const plan = await prepareVm(vmSetup(options), runner, reporter, stack)
    stage = { kind: 'boot', marker, defaultMarker: options.marker === undefined }
    const started = performance.now()
    const qemu = new QemuProcess(plan, runner)
    vm = qemu
    stack.defer('QEMU', () => stopQemu(qemu, steps))
    // Every wait ends early when QEMU exits or the caller aborts.
    const waits = { signal: anySignal(qemu.exitSignal, options.signal) }
    const socket = await connectUnixSocket(plan.serialSocket, { timeoutMs, ...waits })
    const attached = new SerialConsole(socket, {
      onLine: (line) => reporter.emit({ kind: 'output', label: 'console', stream: 'stdout', line }),
    })
    terminal = attached
    stack.defer('serial console', () => attached.close())
    const left = Math.max(timeoutMs - (performance.now() - started), 1)
    const boot = await attached.waitFor([marker, ...failPatterns], left, waits)
    if (boot.index > 0) {
      const awaited = stage.defaultMarker ? 'the login prompt' : 'the marker'
      throw new GuestShellError(`the console showed "${boot.match[0]}" before ${awaited}`)
    }
    const reachedMarkerAfterMs = Math.round(performance.now() - started)
    steps.end(true)
    const commands = options.commands ?? []
    const stepWaits = { timeoutMs: stepTimeoutMs, ...waits }
    if (options.login || commands.length > 0) {
      stage = { kind: 'login', user: options.login?.user }
      steps.begin('boot-test: login', options.login?.user)
      if (options.login) await logIn(attached, options.login, stepWaits)
      await waitForShell(attached, nonce, stepWaits)
      steps.end(true)
    }
    const outcomes: CommandOutcome[] = []
    for (const [index, command] of commands.entries()) {
      stage = { kind: 'command', command }
      steps.begin(`boot-test: command ${index + 1}`, command)
      const outcome = await runGuestCommand(attached, command, index + 1, nonce, stepWaits)
      outcomes.push(outcome)
      steps.end(outcome.exitStatus === 0)
    }
    return {
      ok: outcomes.every((outcome) => outcome.exitStatus === 0),
      reachedMarkerAfterMs,
      commands: outcomes,
      consoleTail: attached.tail(CONSOLE_TAIL_LINES),
    }
  } catch (error) {
    steps.end(false)
    throw await explainFailure(error, {
      stage,
      timeoutMs,
      vm,
      consoleTail: terminal?.tail(CONSOLE_SCAN_LINES) ?? [],
      aborted: options.signal?.aborted ?? false,
    })
  } finally {
    await releaseAll(stack, reporter)
    if (options.consoleLog !== undefined && terminal) {
      await writeConsoleLog(options.consoleLog, terminal.lines, reporter)
    }
  }
}

function checkOptions(options: BootTestOptions): void {
  if (options.image === undefined && options.kernel === undefined && options.cdrom === undefined) {
    throw new ConfigError('Cannot run a boot test: give an image, an ISO or a kernel to boot')
  }
  if (options.diskSize !== undefined && options.image === undefined) {
    throw new ConfigError('Cannot apply disk size: it needs an image to grow')
  }
  for (const [name, value] of [
    ['memoryMiB', options.memoryMiB],
    ['cpus', options.cpus],
    ['diskSize', options.diskSize],
    ['timeoutMs', options.timeoutMs],
    ['stepTimeoutMs', options.stepTimeoutMs],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new ConfigError(
        `Cannot use boot test option "${name}": "${value}" is not a positive integer`,
      )
    }
  }
}

function vmSetup(options: BootTestOptions): Parameters<typeof prepareVm>[0] {
  const { image, format, kernel, cdrom, diskSize, sectorSize, ovmf, qemuBinary, tempParent } =
    options
  const { extraDisks } = options
  return {
    ...(image === undefined ? {} : { image }),
    ...(format === undefined ? {} : { format }),
    ...(kernel === undefined ? {} : { kernel }),
    ...(cdrom === undefined ? {} : { cdrom }),
    ...(extraDisks === undefined ? {} : { extraDisks }),
    ...(diskSize === undefined ? {} : { diskSize }),
    ...(sectorSize === undefined ? {} : { sectorSize }),
    ...(ovmf === undefined ? {} : { ovmf }),
    ...(qemuBinary === undefined ? {} : { qemuBinary }),
    ...(tempParent === undefined ? {} : { tempParent }),
    firmware: options.firmware ?? 'auto',
    accel: options.accel ?? 'tcg',
    memoryMiB: options.memoryMiB ?? DEFAULT_MEMORY_MIB,
    cpus: options.cpus ?? DEFAULT_CPUS,
    network: options.network ?? true,
  }
}

async function stopQemu(vm: QemuProcess, steps: StepReporter): Promise<void> {
  steps.begin('boot-test: shutdown')
  await vm.stop()
  steps.end(true)
}

async function releaseAll(stack: AsyncStack, reporter: Reporter): Promise<void> {
  try {
    await stack[Symbol.asyncDispose]()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    reporter.emit({ kind: 'warning', message: `Boot test cleanup: ${message}` })
  }
}

// A log that cannot be written must not hide the test's own outcome.
async function writeConsoleLog(
  path: string,
  lines: readonly string[],
  reporter: Reporter,
): Promise<void> {
  try {
    await writeFile(path, lines.length === 0 ? '' : `${lines.join('\n')}\n`)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    reporter.emit({ kind: 'warning', message: `Cannot write console log "${path}": ${why}` })
  }
}

function anySignal(...signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal) => signal !== undefined))
}

/** step-start/step-end pairs, one open step at a time. */
class StepReporter {
  readonly #reporter: Reporter
  #open: { readonly step: string; readonly started: number } | undefined

  constructor(reporter: Reporter) {
    this.#reporter = reporter
  }

  begin(step: string, detail?: string): void {
    this.#open = { step, started: performance.now() }
    this.#reporter.emit({ kind: 'step-start', step, ...(detail === undefined ? {} : { detail }) })
  }

  end(ok: boolean): void {
    const open = this.#open
    if (!open) return
    this.#open = undefined
    const durationMs = performance.now() - open.started
    this.#reporter.emit({ kind: 'step-end', step: open.step, durationMs, ok })
  }
}
