// Loop devices found by what backs them, not by a journal: one attached just before a kill -9
// was never written down. Only callers that know the directory's build is dead may detach.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
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
  const result = await runner.run(
    { argv: ['losetup', '--list', '--noheadings', '--raw', '--output', 'NAME,BACK-FILE'] },
    { quiet: true, allowFailure: true },
  )
  return parseLoopList(result.stdout.replace(/\\x20/g, ' ')).filter((loop) =>
    isInside(dir, loop.file),
  )
}

/** Detach every loop device whose backing file lies below `dir` (a dead build's directory). */
export async function detachLoopsBackedBelow(dir: string, runner: Runner): Promise<string[]> {
  const released: string[] = []
  for (const loop of await loopsBackedBelow(dir, runner)) {
    const result = await runner.run(
      { argv: ['losetup', '--detach', loop.device] },
      { quiet: true, allowFailure: true },
    )
    if (result.exitCode === 0) released.push(`loop device ${loop.device} (backed by ${loop.file})`)
  }
  return released
}

/**
 * Whether a loop device that shows `shown` as its backing file is backed by `file`. A build's
 * mount namespace that died with it takes its workspace mount away: the kernel then names the
 * file from the root of that workspace ("/image.raw" for "<workspace>/image.raw").
 */
export function backsFile(shown: string, file: string, workspaces: readonly string[]): boolean {
  if (shown === file) return true
  return workspaces.some((dir) => isInside(dir, file) && join(dir, shown) === file)
}

const DETACH_WAIT_MS = 10_000

/**
 * Detach `device` and wait until it is gone. One still held (a filesystem on it that a dying
 * mount namespace has not let go of yet) is only marked for detaching by the kernel, which
 * detaches it when the last user lets go.
 */
export async function detachLoop(device: string, runner: Runner): Promise<void> {
  await runner.run({ argv: ['losetup', '--detach', device] }, { quiet: true })
  for (let waited = 0; waited < DETACH_WAIT_MS; waited += 250) {
    const result = await runner.run(
      { argv: ['losetup', '--list', '--noheadings', '--output', 'BACK-FILE', device] },
      { quiet: true, allowFailure: true },
    )
    if (result.exitCode !== 0 || result.stdout.trim() === '') return
    await sleep(250)
  }
}

/** What the kernel knows a loop device's backing file by: its filesystem's device and its inode. */
export interface BackingIdentity {
  /** major:minor, as `losetup -O BACK-MAJ:MIN` shows it. */
  readonly dev: string
  readonly ino: number
}

/** Linux's dev_t split into major and minor (glibc's encoding, which Node's stat returns). */
export function majorMinor(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & 0xfffff000n)
  const minor = (dev & 0xffn) | ((dev >> 12n) & 0xffffff00n)
  return `${major}:${minor}`
}

export async function backingIdentity(file: string): Promise<BackingIdentity> {
  const info = await stat(file, { bigint: true })
  return { dev: majorMinor(info.dev), ino: Number(info.ino) }
}

export interface IdentifiedLoop extends LoopDevice, BackingIdentity {}

/** `losetup --list --json -O NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN` as data (it pads the numbers). */
export function parseIdentifiedLoops(json: string): IdentifiedLoop[] {
  let data: unknown
  try {
    data = JSON.parse(json)
  } catch {
    return []
  }
  const rows = (data as { loopdevices?: unknown } | null)?.loopdevices
  if (!Array.isArray(rows)) return []
  return rows.flatMap((row: Record<string, unknown>) => {
    const [device, file, ino, dev] = [
      row['name'],
      row['back-file'],
      row['back-ino'],
      row['back-maj:min'],
    ]
    if (typeof device !== 'string' || typeof file !== 'string' || typeof dev !== 'string') return []
    const inode = Number(ino)
    if (!Number.isInteger(inode)) return []
    return [{ device, file: file.replace(/ \(deleted\)$/, ''), ino: inode, dev: dev.trim() }]
  })
}

async function identifiedLoops(runner: Runner): Promise<IdentifiedLoop[]> {
  const argv: [string, ...string[]] = [
    'losetup',
    '--list',
    '--json',
    '--output',
    'NAME,BACK-FILE,BACK-INO,BACK-MAJ:MIN',
  ]
  const result = await runner.run({ argv }, { quiet: true, allowFailure: true })
  return result.exitCode === 0 ? parseIdentifiedLoops(result.stdout) : []
}

/**
 * Loop devices backed by `file`, known by its identity (written down before it was attached):
 * the same inode of the same filesystem, under the same name or its name from the root of one
 * of the build's workspaces (how the kernel shows it once the build's namespace died).
 */
export async function loopsBackedBy(
  file: string,
  identity: BackingIdentity,
  workspaces: readonly string[],
  runner: Runner,
): Promise<string[]> {
  const loops = await identifiedLoops(runner)
  return loops
    .filter(
      (loop) =>
        loop.ino === identity.ino &&
        loop.dev === identity.dev &&
        backsFile(loop.file, file, workspaces),
    )
    .map((loop) => loop.device)
}
