// The two things doctor tries for real, because their presence proves little: a loop device that
// scans a partition table, and QEMU running under KVM (on some hosts /dev/kvm exists and QEMU
// aborts under it). Each releases what it made, whatever happens.
import { constants } from 'node:fs'
import { access, mkdtemp, open, rm } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Runner } from '../exec/command.ts'
import type { Trial } from './facts.ts'

const DISK_BYTES = 8 * 1024 * 1024
const PARTITION_WAIT_MS = 5_000
/** How long QEMU must keep running under KVM to count as working. */
const KVM_RUN_SECONDS = 3
/** timeout(1)'s exit status when it had to stop the command: it was still running. */
const STILL_RUNNING = 124

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() || 'no output'
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK)
    return true
  } catch {
    return false
  }
}

async function appears(path: string): Promise<boolean> {
  const deadline = Date.now() + PARTITION_WAIT_MS
  while (!(await exists(path))) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return true
}

/** Attach a sparse disk with one partition using `losetup --partscan` and look for p1 in sysfs. */
export async function tryPartitionScan(runner: Runner, tmpDir: string): Promise<Trial> {
  const dir = await mkdtemp(join(tmpDir, 'imagewright-doctor-'))
  try {
    const disk = join(dir, 'disk.img')
    const handle = await open(disk, 'w')
    await handle.truncate(DISK_BYTES)
    await handle.close()
    const table = await runner.run(
      {
        argv: ['sfdisk', '--quiet', '--no-reread', '--no-tell-kernel', disk],
        input: 'label: dos\nstart=2048, size=4096, type=83\n',
      },
      { quiet: true, allowFailure: true },
    )
    if (table.exitCode !== 0)
      return {
        kind: 'failed',
        why: `sfdisk could not write a partition table: ${lastLine(table.stderr)}`,
      }
    const attach = await runner.run(
      { argv: ['losetup', '--find', '--show', '--partscan', disk] },
      { quiet: true, allowFailure: true },
    )
    if (attach.exitCode !== 0)
      return { kind: 'failed', why: `losetup --partscan: ${lastLine(attach.stderr)}` }
    const device = attach.stdout.trim()
    try {
      // As a build does (blockdevice/partition-nodes.ts): ask the kernel with partx, then wait.
      const name = basename(device)
      const partition = `/sys/block/${name}/${name}p1`
      for (const argv of [
        ['partx', '-u', device],
        ['partx', '-a', device],
      ] as const) {
        await runner.run({ argv }, { quiet: true, allowFailure: true })
        if (await appears(partition)) return { kind: 'ok' }
      }
      return {
        kind: 'failed',
        why: `${device} was attached with --partscan, but ${partition} did not appear, even after partx -u and -a`,
      }
    } finally {
      await runner.run(
        { argv: ['losetup', '--detach', device] },
        { quiet: true, allowFailure: true },
      )
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Run QEMU under KVM with no disk for a few seconds: still running at the end means it works. */
export async function tryQemuUnderKvm(runner: Runner, qemu: string): Promise<Trial> {
  const result = await runner.run(
    {
      argv: [
        'timeout',
        '--kill-after=2',
        String(KVM_RUN_SECONDS),
        qemu,
        '-accel',
        'kvm',
        '-machine',
        'pc',
        '-m',
        '64',
        '-nodefaults',
        '-no-user-config',
        '-display',
        'none',
        '-serial',
        'none',
        '-monitor',
        'none',
      ],
    },
    { quiet: true, allowFailure: true },
  )
  if (result.exitCode === STILL_RUNNING) return { kind: 'ok' }
  return {
    kind: 'failed',
    why: `QEMU exited after ${(result.durationMs / 1000).toFixed(1)} s with status ${result.exitCode}: ${lastLine(result.stderr)}`,
  }
}
