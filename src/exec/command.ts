// The one shape of a subprocess request. argv arrays only: no shell strings anywhere.

/** A command line as an array: program first, never a shell string. */
export type Argv = readonly [string, ...string[]]

export interface Command {
  readonly argv: readonly [string, ...string[]]
  readonly cwd?: string
  /** Complete environment for the child; when absent the child gets the runner's base env. */
  readonly env?: Readonly<Record<string, string>>
  /** Set on top of env (or the base env): a setting one command needs. */
  readonly extraEnv?: Readonly<Record<string, string>>
  /** Run inside this root with the host's chroot(8). */
  readonly chroot?: string
  readonly input?: string
  /** Give the command the terminal (stdin, stdout, stderr): debugging shells at breakpoints. */
  readonly interactive?: boolean
  readonly timeoutMs?: number
  /** A label for events and errors, e.g. "install.d/50-foo (element foo)". */
  readonly label?: string
}

export interface RunResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

export interface RunOptions {
  /** Do not emit output lines as events (for probing commands whose output is data). */
  readonly quiet?: boolean
  /** Stdout is data (a device name, a progress meter), not log output: no output events for it. */
  readonly stdoutIsData?: boolean
  /**
   * Stdout as it arrives, in raw chunks, for a listing too large to hold as lines: neither split,
   * decoded nor kept (`stdout` of the result is empty).
   */
  readonly onStdoutChunk?: (chunk: Buffer) => void
  /** A carriage return ends a line too: for progress meters that redraw one line. */
  readonly splitCarriageReturns?: boolean
  /** Return a failed result instead of throwing. */
  readonly allowFailure?: boolean
  /** Extra sink for each output line (stdout and stderr interleaved). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void
  /** Stop this one command (for long-running children such as a VM) without a new runner. */
  readonly signal?: AbortSignal
  /** Called once the command runs, with its pid: it leads a process group of that id. */
  readonly onSpawn?: (pid: number) => void
}

export interface Runner {
  run(cmd: Command, options?: RunOptions): Promise<RunResult>
}
