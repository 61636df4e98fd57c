// Turning whatever stopped a boot test into one BootTestError that says what was awaited, how
// QEMU ended, and what the console showed last.
import { BootTestError, isBuilderError } from '../errors.ts'
import { CommandFailedError, describeExit } from '../exec/errors.ts'
import { ConsoleClosedError, ConsoleTimeoutError } from './console.ts'
import { GuestShellError, seconds } from './guest-shell.ts'
import type { QemuExit, QemuProcess } from './qemu-process.ts'

export const CONSOLE_TAIL_LINES = 30
// Lines read back to find the last 30 distinct ones: a guest that ignores our repeated probes
// echoes the same line for minutes, and that alone would fill the tail.
export const CONSOLE_SCAN_LINES = 1_000
const QEMU_STDERR_LINES = 10
const EXIT_SETTLE_MS = 3_000

/** What the test was doing when it stopped, in words that finish "while ...". */
export type Stage =
  | { readonly kind: 'prepare' }
  | { readonly kind: 'boot'; readonly marker: RegExp; readonly defaultMarker: boolean }
  | { readonly kind: 'login'; readonly user: string | undefined }
  | { readonly kind: 'command'; readonly command: string }

export interface FailureContext {
  readonly stage: Stage
  readonly timeoutMs: number
  readonly vm: QemuProcess | undefined
  readonly consoleTail: readonly string[]
  readonly aborted: boolean
}

export async function explainFailure(error: unknown, context: FailureContext): Promise<Error> {
  if (isBuilderError(error) && !(error instanceof CommandFailedError)) return error
  const { reason, hint } = await describeReason(error, context)
  const lines = [`Boot test failed: ${reason}`]
  if (context.stage.kind !== 'prepare') {
    const tail = collapseRepeats(context.consoleTail).slice(-CONSOLE_TAIL_LINES)
    lines.push(
      tail.length === 0 ? 'The console printed nothing' : 'Last console lines:',
      ...tail.map((line) => `  ${line}`),
    )
  }
  return new BootTestError(lines.join('\n'), { cause: error, hint })
}

/** Runs of one line become that line and a count, so what came before stays in view. */
export function collapseRepeats(lines: readonly string[]): string[] {
  const collapsed: string[] = []
  for (let start = 0; start < lines.length;) {
    const line = lines[start] ?? ''
    let end = start + 1
    while (end < lines.length && lines[end] === line) end += 1
    collapsed.push(line)
    const more = end - start - 1
    if (more > 1) collapsed.push(`(the line above ${more} more times)`)
    else if (more === 1) collapsed.push(line)
    start = end
  }
  return collapsed
}

async function describeReason(
  error: unknown,
  context: FailureContext,
): Promise<{ reason: string; hint?: string }> {
  const { stage, vm } = context
  if (context.aborted) return { reason: `aborted while ${doing(stage)}` }
  const exit = vm ? (vm.exit ?? (await settleExit(error, vm))) : undefined
  if (exit) {
    const said = qemuStderr(exit)
      .slice(-QEMU_STDERR_LINES)
      .map((line) => `\n  ${line}`)
      .join('')
    return {
      reason: `QEMU stopped (${describeQemuExit(exit)}) while ${doing(stage)}${said}`,
      hint: 'Is qemu-system-x86 installed, and can the image be opened?',
    }
  }
  if (error instanceof ConsoleTimeoutError && stage.kind === 'boot') {
    const what = stage.defaultMarker ? 'no login prompt' : `no output matching ${stage.marker}`
    return {
      reason: `${what} after ${seconds(context.timeoutMs)}`,
      hint:
        'Check that the image sends its console to the first serial port (kernel ' +
        '"console=ttyS0"), or raise the timeout: without KVM a boot can take minutes',
    }
  }
  if (error instanceof GuestShellError) return { reason: error.message }
  const message = error instanceof Error ? error.message : String(error)
  return { reason: `${message} while ${doing(stage)}` }
}

function describeQemuExit(exit: QemuExit): string {
  if (exit.kind === 'failed') return 'it could not be run'
  // The runner reports -1 when the process died from a signal (a crash or an assertion).
  const code = exit.result.exitCode
  return code < 0 ? 'killed by a signal' : describeExit(code, undefined)
}

// What QEMU printed, minus its note that it waits for the console to connect.
function qemuStderr(exit: QemuExit): string[] {
  if (exit.kind === 'failed') return [exit.error instanceof Error ? exit.error.message : '']
  return exit.result.stderr
    .split('\n')
    .filter((line) => line.length > 0 && !line.includes('QEMU waiting for connection'))
}

// The console usually closes a moment before the process is reaped; wait for the exit status.
async function settleExit(error: unknown, vm: QemuProcess) {
  if (!(error instanceof ConsoleClosedError) && !vm.exitSignal.aborted) return undefined
  return vm.waitForExit(EXIT_SETTLE_MS)
}

function doing(stage: Stage): string {
  switch (stage.kind) {
    case 'prepare':
      return 'preparing the VM'
    case 'boot':
      return stage.defaultMarker
        ? 'waiting for the login prompt'
        : `waiting for output matching ${stage.marker}`
    case 'login':
      return stage.user === undefined ? 'waiting for a shell' : `logging in as "${stage.user}"`
    case 'command':
      return `running "${stage.command}"`
  }
}
