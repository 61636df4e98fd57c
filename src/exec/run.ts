// The only place that spawns processes. Every command is an argv array, its output is streamed
// as events line by line, a bounded tail is kept for error messages, and an abort signal kills
// it (SIGTERM, then SIGKILL) so cleanup can run.
import { execa } from 'execa'
import type { Reporter } from '../report/events.ts'
import type { Command, RunOptions, RunResult, Runner } from './command.ts'
import { CommandFailedError } from './errors.ts'

const TAIL_LINES = 200
const KILL_GRACE_MS = 5_000
const STRAGGLER_GRACE_MS = 2_000

/** The process group a command leads: signalled as a whole on abort. */
class ProcessGroup {
  readonly #pgid: number | undefined
  readonly #timers: NodeJS.Timeout[] = []

  constructor(pid: number | undefined) {
    this.#pgid = pid
  }

  #signal(name: NodeJS.Signals): void {
    if (this.#pgid === undefined) return
    try {
      process.kill(-this.#pgid, name)
    } catch {
      // The group is already gone.
    }
  }

  stop(): void {
    this.#signal('SIGTERM')
    this.#timers.push(setTimeout(() => this.#signal('SIGKILL'), KILL_GRACE_MS).unref())
  }

  reapStragglersAfter(ms: number): void {
    this.#timers.push(setTimeout(() => this.#signal('SIGKILL'), ms).unref())
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer)
  }
}

/**
 * Every process a build starts carries the build's id in this variable, and whatever those start
 * inherits it: how the build, or `imagewright cleanup` after a kill -9, finds the processes that
 * left their process group (setsid, daemons) or started before their group was journaled.
 */
export const BUILD_ID_VARIABLE = 'IMAGEWRIGHT_BUILD_ID'

/**
 * What a build starts to make or release a resource (losetup, a FUSE mount's daemon) carries the
 * build's id in this variable instead: the build's own sweep for stray processes leaves it alone
 * (a FUSE daemon lives as long as its mount), but once the build is dead `imagewright cleanup`
 * stops whatever of it still runs, after the resources are released.
 */
export const BUILD_RESOURCE_VARIABLE = 'IMAGEWRIGHT_BUILD_RESOURCE'

export interface ProcessRunnerOptions {
  readonly reporter: Reporter
  readonly signal?: AbortSignal | undefined
  readonly baseEnv?: Readonly<Record<string, string>>
  /** Set in the environment of every command as BUILD_ID_VARIABLE. */
  readonly buildId?: string | undefined
  /** Set in the environment of every command as BUILD_RESOURCE_VARIABLE. */
  readonly resourceOf?: string | undefined
}

export class ProcessRunner implements Runner {
  readonly #reporter: Reporter
  readonly #signal: AbortSignal | undefined
  readonly #baseEnv: Readonly<Record<string, string>>
  readonly #buildId: string | undefined
  readonly #resourceOf: string | undefined

  constructor(options: ProcessRunnerOptions) {
    this.#reporter = options.reporter
    this.#signal = options.signal
    this.#baseEnv = options.baseEnv ?? hostEnv()
    this.#buildId = options.buildId
    this.#resourceOf = options.resourceOf
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
      // Data on stdout (a progress meter, a listing) says nothing about why a command failed,
      // and a late meter line would push the error itself out of the message.
      if (!(options.stdoutIsData === true && stream === 'stdout')) {
        tail.push(line)
        if (tail.length > TAIL_LINES) tail.shift()
      }
      options.onLine?.(line, stream)
      if (!options.quiet && !(options.stdoutIsData === true && stream === 'stdout')) {
        this.#reporter.emit({ kind: 'output', label, stream, line })
      }
    }
    const cancel = cancelOption(this.#signal, options.signal)
    const child = execa(file, args, {
      ...(cmd.cwd === undefined ? {} : { cwd: cmd.cwd }),
      env: {
        ...(cmd.env ?? this.#baseEnv),
        ...cmd.extraEnv,
        ...(this.#buildId === undefined ? {} : { [BUILD_ID_VARIABLE]: this.#buildId }),
        ...(this.#resourceOf === undefined ? {} : { [BUILD_RESOURCE_VARIABLE]: this.#resourceOf }),
      },
      extendEnv: false,
      ...(cmd.interactive
        ? { stdio: 'inherit' as const }
        : cmd.input === undefined
          ? { stdin: 'ignore' as const }
          : { input: cmd.input }),
      reject: false,
      ...(cmd.timeoutMs === undefined ? {} : { timeout: cmd.timeoutMs }),
      ...cancel,
      forceKillAfterDelay: KILL_GRACE_MS,
      // Its own process group, so an abort stops the whole tree of a hook script, including
      // background jobs that would otherwise hold our output pipes open forever.
      detached: true,
      cleanup: true,
      buffer: false,
      stripFinalNewline: false,
    })
    const endOfLine = options.splitCarriageReturns === true ? /\r\n|\r|\n/ : /\n/
    const pumps = [
      options.onStdoutChunk === undefined
        ? pump(child.stdout, endOfLine, (line) => onLine(line, 'stdout'))
        : drain(child.stdout, options.onStdoutChunk),
      pump(child.stderr, endOfLine, (line) => onLine(line, 'stderr')),
    ]
    const group = new ProcessGroup(child.pid)
    if (child.pid !== undefined) options.onSpawn?.(child.pid)
    const onAbort = (): void => group.stop()
    cancel.cancelSignal?.addEventListener('abort', onAbort, { once: true })
    // A command that exited but left children holding its pipes is done: stop the stragglers.
    child.once('exit', () => group.reapStragglersAfter(STRAGGLER_GRACE_MS))
    let result
    try {
      result = await child
      await Promise.all(pumps)
    } finally {
      cancel.cancelSignal?.removeEventListener('abort', onAbort)
      group.dispose()
    }
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
  endOfLine: RegExp,
  onLine: (line: string) => void,
): Promise<void> {
  if (!stream) return
  let pending = ''
  for await (const chunk of stream) {
    pending += chunk.toString()
    let end = endOfLine.exec(pending)
    // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
    while (end !== null && !(end[0] === '\r' && end.index === pending.length - 1)) {
      onLine(pending.slice(0, end.index))
      pending = pending.slice(end.index + end[0].length)
      end = endOfLine.exec(pending)
    }
  }
  if (pending.endsWith('\r')) pending = pending.slice(0, -1)
  if (pending.length > 0) onLine(pending)
}

async function drain(
  stream: NodeJS.ReadableStream | null,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  if (!stream) return
  for await (const chunk of stream) onChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
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
  for (const dir of ['/usr/local/sbin', '/usr/sbin', '/sbin'])
    if (!path.includes(dir)) path.push(dir)
  env['PATH'] = path.join(':')
  return env
}
