// Loop devices found by what backs them, not by a journal: one attached just before a kill -9
// was never written down. Only callers that know the directory's build is dead may detach.
import type { Runner } from '../exec/command.ts'
import { isInside } from '../util/is-inside.ts'

export interface LoopDevice {
  readonly device: string
  readonly file: string
}

/** `losetup --list` as device and backing file; " (deleted)" is what the kernel adds to a removed file. */
export function parseLoopList(text: string): LoopDevice[] {
  return text.split('\n').flatMap((line) => {
    const match = /^(\/dev\/loop\d+)\s+(\/.*?)(?: \(deleted\))?\s*$/.exec(line)
    return match?.[1] && match[2] ? [{ device: match[1], file: match[2] }] : []
  })
}

export async function loopsBackedBelow(dir: string, runner: Runner): Promise<LoopDevice[]> {
  const result = await runner.run({ argv: ['losetup', '--list', '--noheadings', '--raw', '--output', 'NAME,BACK-FILE'] }, { quiet: true, allowFailure: true })
  return parseLoopList(result.stdout.replace(/\\x20/g, ' ')).filter((loop) => isInside(dir, loop.file))
}

/** Detach every loop device whose backing file lies below `dir` (a dead build's directory). */
export async function detachLoopsBackedBelow(dir: string, runner: Runner): Promise<string[]> {
  const released: string[] = []
  for (const loop of await loopsBackedBelow(dir, runner)) {
    const result = await runner.run({ argv: ['losetup', '--detach', loop.device] }, { quiet: true, allowFailure: true })
    if (result.exitCode === 0) released.push(`loop device ${loop.device} (backed by ${loop.file})`)
  }
  return released
}
