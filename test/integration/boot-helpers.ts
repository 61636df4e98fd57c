// Shared checks for the boot integration tests: is QEMU here, and is any QEMU of ours left?
import { existsSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter, type RecordingReporter } from '../../src/report/events.ts'

function onPath(program: string): boolean {
  const dirs = (process.env['PATH'] ?? '').split(delimiter)
  return dirs.some((dir) => dir.length > 0 && existsSync(join(dir, program)))
}

export function hasQemu(): boolean {
  return onPath('qemu-system-x86_64') && onPath('qemu-img')
}

/** The boot test's private temp dir, read from the QEMU command line it reported. */
export function qemuTempDir(reporter: RecordingReporter): string {
  for (const { event } of reporter.events) {
    if (event.kind !== 'command' || event.argv[0] !== 'qemu-system-x86_64') continue
    const chardev = event.argv.find((arg) => arg.startsWith('socket,id=serial0,path='))
    const path = /path=(.*?),server=/.exec(chardev ?? '')?.[1]
    if (path) return dirname(path)
  }
  throw new Error('No QEMU command was reported')
}

/** QEMU processes whose command line mentions `dir`, as `pgrep -af` lines. */
export async function ourQemuProcesses(dir: string): Promise<string[]> {
  const runner = new ProcessRunner({ reporter: silentReporter })
  const found = await runner.run(
    { argv: ['pgrep', '-af', `qemu-system.*${dir}`] },
    { quiet: true, allowFailure: true },
  )
  return found.stdout.split('\n').filter(Boolean)
}
