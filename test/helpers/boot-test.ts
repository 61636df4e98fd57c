// Runs `imagewright boot-test` the way the system tests do, and reads back what each
// `--command` printed in the guest.
import { expect } from 'vitest'
import { IW_BIN, runCli } from './cli.ts'

export interface BootTestRun {
  /** The image and any further flags, after the options below. */
  readonly args: readonly string[]
  readonly timeoutSeconds: number
  readonly cwd: string
  readonly env?: Record<string, string>
  readonly quiet?: boolean
  readonly marker?: string
  readonly login?: { readonly user: string; readonly password: string }
  readonly commands?: readonly string[]
}

/** Boot an image; the test fails unless it printed PASS and exited 0. Returns its stdout. */
export async function expectBootPasses(run: BootTestRun): Promise<string> {
  const args = [
    'boot-test',
    ...(run.quiet === true ? ['--quiet'] : []),
    ...['--timeout', String(run.timeoutSeconds)],
    ...(run.marker === undefined ? [] : ['--marker', run.marker]),
    ...(run.login === undefined
      ? []
      : ['--user', run.login.user, '--password', run.login.password]),
    ...(run.commands ?? []).flatMap((command) => ['--command', command]),
    ...run.args,
  ]
  const boot = await runCli(IW_BIN, {
    args,
    cwd: run.cwd,
    ...(run.env === undefined ? {} : { env: run.env }),
  })
  expect(boot.stdout.split('\n'), `${boot.stdout}\n${boot.stderr}`).toContain('PASS')
  expect(boot.code).toBe(0)
  return boot.stdout
}

export interface CommandOutput {
  readonly exit: number
  readonly output: string
}

const KERNEL_LOG = /^\[ *\d+\.\d+\] /

/** Output of each `--command` of a boot test, by command. */
export function commandOutputs(stdout: string): Map<string, CommandOutput> {
  const result = new Map<string, CommandOutput>()
  let current: { exit: number; output: string } | undefined
  for (const line of stdout.split('\n')) {
    const head = /^\$ (.*) {2}\(exit (\d+)\)$/.exec(line)
    if (head?.[1] !== undefined) {
      current = { exit: Number(head[2]), output: '' }
      result.set(head[1], current)
    } else if (current !== undefined && KERNEL_LOG.test(line.slice(2))) {
      // The kernel writes its log to the same serial console (modprobe's messages, say).
      continue
    } else if (current !== undefined && line.startsWith('  ')) {
      current.output += `${line.slice(2)}\n`
    } else {
      current = undefined
    }
  }
  return result
}
