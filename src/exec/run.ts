// The only place that spawns processes. Every command is an argv array, its output is streamed
// as events line by line, a bounded tail is kept for error messages, and an abort signal kills
// it (SIGTERM, then SIGKILL) so cleanup can run.
import { execa } from 'execa'
import type { Reporter } from '../report/events.ts'
import type { Command, RunOptions, RunResult, Runner } from './command.ts'
import { CommandFailedError } from './errors.ts'

const TAIL_LINES = 200
const KILL_GRACE_MS = 5_000

export interface ProcessRunnerOptions {
  readonly reporter: Reporter
  readonly signal?: AbortSignal | undefined
  readonly baseEnv?: Readonly<Record<string, string>>
}

export class ProcessRunner implements Runner {
  readonly #reporter: Reporter
  readonly #signal: AbortSignal | undefined
  readonly #baseEnv: Readonly<Record<string, string>>

  constructor(options: ProcessRunnerOptions) {
    this.#reporter = options.reporter
    this.#signal = options.signal
    this.#baseEnv = options.baseEnv ?? hostEnv()
  }

  /** A runner that shares this one's reporter and env but obeys another abort signal. */
  withSignal(signal: AbortSignal | undefined): ProcessRunner {
    return new ProcessRunner({ reporter: this.#reporter, signal, baseEnv: this.#baseEnv })
  }

  async run(cmd: Command, options: RunOptions = {}): Promise<RunResult> {
    const argv = cmd.chroot ? (['chroot', cmd.chroot, ...cmd.argv] as const) : cmd.argv
    const [file, ...args] = argv
    const label = cmd.label ?? argv.join(' ')
    if (!options.quiet) this.#reporter.emit({ kind: 'command', label, argv })
    const started = performance.now()
    const tail: string[] = []
    const stdout: string[] = []
    const stderr: string[] = []
    const onLine = (line: string, stream: 'stdout' | 'stderr'): void => {
      ;(stream === 'stdout' ? stdout : stderr).push(line)
      tail.push(line)
      if (tail.length > TAIL_LINES) tail.shift()
      options.onLine?.(line, stream)
      if (!options.quiet) this.#reporter.emit({ kind: 'output', label, stream, line })
    }
    const child = execa(file, args, {
      ...(cmd.cwd === undefined ? {} : { cwd: cmd.cwd }),
      env: { ...(cmd.env ?? this.#baseEnv) },
      extendEnv: false,
      ...(cmd.input === undefined ? { stdin: 'ignore' as const } : { input: cmd.input }),
      reject: false,
      ...(cmd.timeoutMs === undefined ? {} : { timeout: cmd.timeoutMs }),
      ...cancelOption(this.#signal, options.signal),
      forceKillAfterDelay: KILL_GRACE_MS,
      cleanup: true,
      buffer: false,
      stripFinalNewline: false,
    })
    const pumps = [
      pump(child.stdout, (line) => onLine(line, 'stdout')),
      pump(child.stderr, (line) => onLine(line, 'stderr')),
    ]
    const result = await child
    await Promise.all(pumps)
    const durationMs = performance.now() - started
    const exitCode = result.exitCode ?? -1
    if (result.failed && !options.allowFailure) {
      throw new CommandFailedError(
        {
          argv,
          label: cmd.label,
          exitCode: result.exitCode,
          signal: result.signal,
          tail,
          durationMs,
          timedOut: result.timedOut,
        },
        result.cause ?? result,
      )
    }
    return { exitCode, stdout: stdout.join('\n'), stderr: stderr.join('\n'), durationMs }
  }
}

async function pump(
  stream: NodeJS.ReadableStream | null,
  onLine: (line: string) => void,
): Promise<void> {
  if (!stream) return
  let pending = ''
  for await (const chunk of stream) {
    pending += chunk.toString()
    let newline = pending.indexOf('\n')
    while (newline >= 0) {
      onLine(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf('\n')
    }
  }
  if (pending.length > 0) onLine(pending)
}

function cancelOption(...signals: readonly (AbortSignal | undefined)[]): {
  cancelSignal?: AbortSignal
} {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined)
  return present.length === 0 ? {} : { cancelSignal: AbortSignal.any(present) }
}

/** The caller's environment as plain strings, with sbin directories on PATH as DIB does. */
export function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  const path = (env['PATH'] ?? '/usr/bin:/bin').split(':')
  for (const dir of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!path.includes(dir)) path.push(dir)
  env['PATH'] = path.join(':')
  return env
}
