// After a partition table is written the kernel must be told (partx -u) and the partition
// device nodes must appear. Without udev they may lag or never come (no devtmpfs in some
// containers): then we make them ourselves from the numbers sysfs gives.
import { basename } from 'node:path'
import { BlockDeviceError } from '../../errors.ts'
import type { Runner } from '../../exec/command.ts'
import type { DeviceHost } from './device-host.ts'

const POLL_MS = 100
const POLLS = 50

export interface SettledPartitions {
  /** Device nodes we created with mknod; remove them after detaching. */
  readonly createdNodes: readonly string[]
}

export async function settlePartitions(
  runner: Runner,
  host: DeviceHost,
  device: string,
  numbers: readonly number[],
): Promise<SettledPartitions> {
  const disk = basename(device)
  const sysfs = (n: number): string => `/sys/block/${disk}/${disk}p${n}`
  const missingInKernel = async (): Promise<number[]> => {
    const missing: number[] = []
    for (const n of numbers) if (!(await host.exists(sysfs(n)))) missing.push(n)
    return missing
  }
  await runner.run({ argv: ['partx', '-u', device] })
  let missing = await waitFor(host, missingInKernel)
  if (missing.length > 0) {
    // partx -u only updates what the kernel knows; -a adds what it does not.
    await runner.run({ argv: ['partx', '-a', device] }, { allowFailure: true })
    missing = await waitFor(host, missingInKernel)
  }
  if (missing.length > 0) {
    throw new BlockDeviceError(
      `Cannot see partitions ${missing.join(', ')} of "${device}": the kernel did not add them after "partx -u"`,
      { hint: 'Check that the loop driver supports partitions (max_part or losetup --partscan)' },
    )
  }
  const createdNodes: string[] = []
  for (const n of numbers) {
    const node = `${device}p${n}`
    const absent = await waitFor(host, async () => ((await host.exists(node)) ? [] : [n]), 10)
    if (absent.length === 0) continue
    const numbersText = (await host.readText(`${sysfs(n)}/dev`))?.trim() ?? ''
    const match = /^(\d+):(\d+)$/.exec(numbersText)
    if (!match)
      throw new BlockDeviceError(
        `Cannot create device node "${node}": "${sysfs(n)}/dev" holds "${numbersText}"`,
      )
    await runner.run({ argv: ['mknod', node, 'b', match[1] ?? '', match[2] ?? ''] })
    createdNodes.push(node)
  }
  return { createdNodes }
}

async function waitFor(
  host: DeviceHost,
  missing: () => Promise<number[]>,
  polls = POLLS,
): Promise<number[]> {
  let left = await missing()
  for (let poll = 0; poll < polls && left.length > 0; poll += 1) {
    await host.sleep(POLL_MS)
    left = await missing()
  }
  return left
}
