// A farm build's outputs are everything its build left in its own directory of the artefact
// store, <store>/<job id>/: the images first, in the order the build wrote them, then the files
// written beside them (checksums, the SPDX and CycloneDX SBOMs, element outputs such as the
// manifests element's IMAGE.d/ directory), so `fetch` hands over what a local build leaves.
import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import type { BuildOutput, BuildRecord } from './build-records.ts'
import { FarmJobError } from './farm-errors.ts'

/** Every regular file below `<artifactsDir>/<jobId>`, `images` (absolute paths) first. */
export async function listJobOutputs(
  artifactsDir: string,
  jobId: string,
  images: readonly string[],
): Promise<BuildOutput[]> {
  const jobDir = join(artifactsDir, jobId)
  const files = new Map<string, number>()
  for (const entry of await readdir(jobDir, { recursive: true })) {
    const info = await lstat(join(jobDir, entry))
    if (info.isFile()) files.set(join(jobId, entry), info.size)
  }
  const first = images
    .map((image) => relative(artifactsDir, image))
    .filter((path) => files.has(path))
  const rest = [...files.keys()].filter((path) => !first.includes(path)).sort()
  return [
    ...first.map((path) => ({ path, bytes: files.get(path) ?? 0 })),
    ...rest.map((path) => ({ path, bytes: files.get(path) ?? 0, beside: true as const })),
  ]
}

/** The output's place below the job's directory; refuses a path that leaves it. */
function placeInJob(record: BuildRecord, output: BuildOutput): string {
  const inJob = relative(record.id, output.path)
  if (
    inJob === '' ||
    inJob.startsWith('..') ||
    inJob.split(sep).includes('..') ||
    output.path.startsWith('/')
  ) {
    throw new FarmJobError(
      `Cannot fetch "${output.path}": build ${record.id}'s outputs must lie in its directory of the artefact store`,
    )
  }
  return inJob
}

/** Copy a finished build's outputs from the artefact store into `outDir`, keeping sub-directories; returns the copies. */
export async function fetchOutputs(
  record: BuildRecord,
  artifactsDir: string,
  outDir: string,
): Promise<string[]> {
  if (record.state !== 'completed') {
    throw new FarmJobError(
      `Cannot fetch the outputs of build ${record.id}: it is ${record.state}`,
      {
        hint:
          record.state === 'failed'
            ? `See why with: imagewright logs ${record.id}`
            : `Wait for it: imagewright logs --follow ${record.id}`,
      },
    )
  }
  const targets = record.outputs.map((output) => ({
    output,
    target: join(outDir, placeInJob(record, output)),
  }))
  const copies: string[] = []
  for (const { output, target } of targets) {
    try {
      await mkdir(dirname(target), { recursive: true })
      await copyFile(join(artifactsDir, output.path), target)
    } catch (error) {
      throw new FarmJobError(
        `Cannot copy ${output.path} from the artefact store ${artifactsDir}: ${(error as Error).message}`,
        {
          hint: 'Give --artifacts the directory the workers write to (mounted here too)',
          cause: error,
        },
      )
    }
    copies.push(target)
  }
  return copies
}
