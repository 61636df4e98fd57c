// What the last stored result of "the same build" (same requested elements, arch and image
// name) was made of, so a miss can say which input changed.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { resolve, join } from 'node:path'
import type { BuildOptions } from '../config/build-options.ts'
import { digestOf, type InputPart, type StepName } from './step-keys.ts'

export type LineageRecord = Partial<Record<StepName, readonly InputPart[]>>

export function lineageId(
  options: Pick<BuildOptions, 'elements' | 'arch' | 'imageName' | 'ramdiskElement'>,
): string {
  return digestOf(
    JSON.stringify([
      options.elements,
      options.arch,
      resolve(options.imageName),
      options.ramdiskElement ?? null,
    ]),
  ).slice(0, 32)
}

export async function readLineage(storeRoot: string, id: string): Promise<LineageRecord> {
  try {
    return JSON.parse(
      await readFile(join(storeRoot, 'lineage', `${id}.json`), 'utf8'),
    ) as LineageRecord
  } catch {
    return {}
  }
}

/** Record one step's parts (read, change, write to a temporary name, rename: last writer wins whole). */
export async function recordLineage(
  storeRoot: string,
  id: string,
  step: StepName,
  parts: readonly InputPart[],
): Promise<void> {
  const dir = join(storeRoot, 'lineage')
  await mkdir(dir, { recursive: true })
  const record = { ...(await readLineage(storeRoot, id)), [step]: parts }
  const temp = join(dir, `${id}.json.${process.pid}`)
  await writeFile(temp, JSON.stringify(record))
  await rename(temp, join(dir, `${id}.json`))
}
