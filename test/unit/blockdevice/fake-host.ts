// A pretend host for createBlockDevices(): a runner that records commands and plays losetup,
// partx and friends, and a DeviceHost whose kernel adds partitions when partx runs.
import type { DeviceHost } from '../../../src/blockdevice/run/device-host.ts'
import type { SectorWrite } from '../../../src/blockdevice/layout/mbr-encode.ts'
import type { Command, RunOptions, RunResult, Runner } from '../../../src/exec/command.ts'
import { CommandFailedError } from '../../../src/exec/errors.ts'
import type { JournalEntry, ResourceJournal } from '../../../src/host/journal.ts'

export interface FakeResponse {
  readonly exitCode?: number
  readonly stdout?: string
  readonly stderr?: string
}

export class FakeHostWorld implements Runner, DeviceHost, ResourceJournal {
  readonly commands: string[][] = []
  readonly log: string[] = []
  readonly paths = new Set<string>(['/dev/mapper/control'])
  readonly journal: JournalEntry[] = []
  /** First matching rule answers a command; unmatched commands succeed silently. */
  readonly rules: { match: (argv: readonly string[]) => boolean; respond: () => FakeResponse }[] =
    []
  #nextLoop = 7

  async run(cmd: Command, options: RunOptions = {}): Promise<RunResult> {
    const argv = [...cmd.argv]
    this.commands.push(argv)
    this.log.push(`run ${argv.join(' ')}`)
    const rule = this.rules.find((candidate) => candidate.match(argv))
    const response = rule ? rule.respond() : this.#defaultResponse(argv)
    const result = {
      exitCode: response.exitCode ?? 0,
      stdout: response.stdout ?? '',
      stderr: response.stderr ?? '',
      durationMs: 1,
    }
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new CommandFailedError({
        argv,
        label: undefined,
        exitCode: result.exitCode,
        signal: undefined,
        tail: [result.stderr],
        durationMs: 1,
        timedOut: false,
      })
    }
    return result
  }

  #defaultResponse(argv: readonly string[]): FakeResponse {
    const [tool, ...args] = argv
    if (tool === 'losetup' && args.includes('--show'))
      return { stdout: `/dev/loop${this.#nextLoop++}\n` }
    if (tool === 'partx') {
      // the pretend kernel lists partitions 1-16 of the device, and devtmpfs makes nodes
      const disk = (args.at(-1) ?? '').replace('/dev/', '')
      for (let n = 1; n <= 16; n += 1) {
        this.paths.add(`/sys/block/${disk}/${disk}p${n}`)
        this.paths.add(`/dev/${disk}p${n}`)
      }
    }
    return {}
  }

  async createSparseFile(path: string, bytes: number): Promise<void> {
    this.log.push(`create ${path} ${bytes}`)
  }
  async writeSectors(path: string, writes: readonly SectorWrite[]): Promise<void> {
    this.log.push(`write ${path} ${writes.length} sectors`)
  }
  async makeDirectory(path: string): Promise<void> {
    this.log.push(`mkdir ${path}`)
  }
  async exists(path: string): Promise<boolean> {
    return this.paths.has(path)
  }
  async readText(path: string): Promise<string | undefined> {
    return path.endsWith('/dev') ? '259:3\n' : undefined
  }
  async removeFile(path: string): Promise<void> {
    this.log.push(`remove ${path}`)
  }
  async sleep(): Promise<void> {}
  async fileIdentity(path: string): Promise<{ dev: string; ino: number }> {
    return { dev: '0:99', ino: 1000 + path.length }
  }

  async record(entry: JournalEntry): Promise<void> {
    this.journal.push(entry)
  }
  async forget(entry: JournalEntry): Promise<void> {
    const index = this.journal.findIndex((e) => JSON.stringify(e) === JSON.stringify(entry))
    if (index >= 0) this.journal.splice(index, 1)
  }

  fail(
    match: (argv: readonly string[]) => boolean,
    response: FakeResponse = { exitCode: 1, stderr: 'boom' },
  ): void {
    this.rules.push({ match, respond: () => response })
  }
}
