// imagewright-qcow2-writer SOURCE TARGET: the builder's compressed qcow2 writer
// (output/qcow2/) in a process of its own, as qemu-img was. Deflating some 10,000 clusters
// leaves tens of MB of freed buffers and touched code in the process that did it, and the
// builder's own process is already its largest; here that memory goes when the file is done.
// Prints "progress PERCENT" lines as it reads and one "stats JSON" line at the end.
import { writeCompressedQcow2 } from '../../output/qcow2/write-qcow2.ts'

const USAGE = 'Usage: imagewright-qcow2-writer SOURCE.raw TARGET.qcow2'

async function main(args: readonly string[]): Promise<number> {
  const [source, target, ...extra] = args
  if (source === undefined || target === undefined || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  let shown = -1
  const stats = await writeCompressedQcow2({
    source,
    target,
    onProgress: (percent) => {
      const whole = Math.floor(percent)
      if (whole === shown) return
      shown = whole
      process.stdout.write(`progress ${whole}\n`)
    },
  })
  process.stdout.write(`stats ${JSON.stringify(stats)}\n`)
  return 0
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`imagewright-qcow2-writer: ${(error as Error).message}\n`)
  process.exitCode = 1
}
