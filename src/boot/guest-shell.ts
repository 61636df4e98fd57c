// Logging in on the serial console and running commands in the guest's shell. Output is framed
// by unique markers, so prompts, echoed input and whatever else the guest prints around it
// never leak into a command's captured output.
import { ConsoleTimeoutError, type TranscriptMatch } from './console.ts'

export interface GuestConsole {
  waitFor(
    patterns: RegExp | readonly RegExp[],
    timeoutMs: number,
    options?: { readonly signal?: AbortSignal },
  ): Promise<TranscriptMatch>
  send(text: string): Promise<void>
}

export interface LoginCredentials {
  readonly user: string
  /** Omit for accounts that log in without a password prompt. */
  readonly password?: string
}

export interface CommandOutcome {
  readonly command: string
  readonly output: string
  readonly exitStatus: number
}

export interface StepLimits {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** A step that reached the guest but did not go as expected; the message says how. */
export class GuestShellError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GuestShellError'
  }
}

// A terminal's Enter key.
const ENTER = '\r'
const PASSWORD_PROMPT = /password:\s*$/im
const LOGIN_REJECTED = /Login incorrect|Authentication failure/i
// login(1) may flush typed-ahead input while it starts the shell, so the probe is repeated.
const PROBE_INTERVAL_MS = 3_000

/**
 * The command that prints a marker. A backslash the shell drops keeps the marker out of the
 * echoed input. No quotes or brackets: login(1) may flush typed-ahead input halfway through a
 * line, and a tail with an odd quote would leave the shell waiting for the closing one forever.
 */
export function markerEcho(nonce: string, tag: string, suffix = ''): string {
  return `echo __IW_${nonce}_\\${tag}__${suffix}`
}

export function markerPattern(nonce: string, tag: string, rest = ''): RegExp {
  return new RegExp(`__IW_${nonce}_${tag}__${rest}`)
}

export function quoteShellWord(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`
}

/**
 * The one line typed for a command. eval keeps a syntax error or a trailing comment inside
 * the frame, and stdin from /dev/null stops a command from eating the lines typed after it.
 */
export function buildCommandLine(command: string, nonce: string, index: number): string {
  const begin = markerEcho(nonce, `B${index}`)
  const end = markerEcho(nonce, `E${index}`, ' $?')
  return `${begin}; eval ${quoteShellWord(command)} </dev/null; ${end}${ENTER}`
}

/** Type the user name and password at a login prompt that has just been seen. */
export async function logIn(
  terminal: GuestConsole,
  credentials: LoginCredentials,
  limits: StepLimits,
): Promise<void> {
  await terminal.send(credentials.user + ENTER)
  if (credentials.password === undefined) return
  try {
    await terminal.waitFor(PASSWORD_PROMPT, limits.timeoutMs, limits)
  } catch (error) {
    if (!(error instanceof ConsoleTimeoutError)) throw error
    const within = seconds(limits.timeoutMs)
    throw new GuestShellError(
      `no "Password:" prompt within ${within} after typing user "${credentials.user}"`,
    )
  }
  await terminal.send(credentials.password + ENTER)
}

/** Keep asking until a shell answers; fail fast when the guest says the login was refused. */
export async function waitForShell(
  terminal: GuestConsole,
  nonce: string,
  limits: StepLimits,
): Promise<void> {
  const ready = markerPattern(nonce, 'READY')
  const deadline = Date.now() + limits.timeoutMs
  for (let left = limits.timeoutMs; left > 0; left = deadline - Date.now()) {
    await terminal.send(markerEcho(nonce, 'READY') + ENTER)
    try {
      const found = await terminal.waitFor(
        [ready, LOGIN_REJECTED],
        Math.min(PROBE_INTERVAL_MS, left),
        limits,
      )
      if (found.index === 0) return
      throw new GuestShellError(`the guest refused the login ("${found.match[0]}")`)
    } catch (error) {
      if (!(error instanceof ConsoleTimeoutError)) throw error
    }
  }
  throw new GuestShellError(`no shell answered within ${seconds(limits.timeoutMs)}`)
}

export async function runGuestCommand(
  terminal: GuestConsole,
  command: string,
  index: number,
  nonce: string,
  limits: StepLimits,
): Promise<CommandOutcome> {
  const deadline = Date.now() + limits.timeoutMs
  await terminal.send(buildCommandLine(command, nonce, index))
  try {
    await terminal.waitFor(markerPattern(nonce, `B${index}`, '\\n'), limits.timeoutMs, limits)
    const end = await terminal.waitFor(
      markerPattern(nonce, `E${index}`, ' (\\d+)'),
      Math.max(deadline - Date.now(), 1),
      limits,
    )
    const output = end.before.endsWith('\n') ? end.before.slice(0, -1) : end.before
    return { command, output, exitStatus: Number(end.match[1]) }
  } catch (error) {
    if (!(error instanceof ConsoleTimeoutError)) throw error
    throw new GuestShellError(
      `command "${command}" did not finish within ${seconds(limits.timeoutMs)}`,
    )
  }
}

export function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
