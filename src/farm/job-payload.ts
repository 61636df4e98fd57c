// What a farm job carries in pg-boss's job table: the disk-image-create command line, the
// environment that travels (env-allow-list.ts), credentials sealed (secrets.ts), and the digest
// of the archive of the submitter's own elements. Nothing in it names a file on the submitter.
import { basename, join } from 'node:path'
import * as v from 'valibot'
import type { BuildOptions } from '../config/build-options.ts'
import { FarmJobError } from './farm-errors.ts'
import { readSetting } from '../config/settings.ts'

const sealedValue = v.object({ iv: v.string(), data: v.string(), tag: v.string() })

const JOB_PAYLOAD_SCHEMA = v.object({
  version: v.literal(1),
  /** disk-image-create's options and elements, as typed after `submit --`. */
  argv: v.array(v.string()),
  env: v.record(v.string(), v.string()),
  secrets: v.record(v.string(), sealedValue),
  /** The submitter's local elements, as a content-addressed archive; null when it used none. */
  bundle: v.nullable(
    v.object({
      digest: v.pipe(v.string(), v.regex(/^sha256:[0-9a-f]{64}$/)),
      elements: v.array(v.string()),
    }),
  ),
  submittedBy: v.string(),
})

export type JobPayload = v.InferOutput<typeof JOB_PAYLOAD_SCHEMA>

/** The payload of a job as the worker fetched it, checked field by field. */
export function readJobPayload(data: unknown, jobId: string): JobPayload {
  const result = v.safeParse(JOB_PAYLOAD_SCHEMA, data)
  if (!result.success) {
    const [issue] = result.issues
    throw new FarmJobError(
      `Cannot run job ${jobId}: its payload is not an imagewright build (${v.getDotPath(issue) ?? 'payload'}: ${issue.message})`,
      {
        hint: 'Submit builds with "imagewright submit" of a matching version',
      },
    )
  }
  return result.output
}

/** Where a job's outputs go in the artefact store: <store>/<job id>/<name given with -o>. */
export function jobOutputBase(artifactsDir: string, jobId: string, imageName: string): string {
  return join(artifactsDir, jobId, basename(imageName))
}

/**
 * The options a worker builds with: the job's command line, parsed where it runs, with the
 * outputs moved into the artefact store and the submitter-side sinks (log file, JSON log, HTML
 * report) left out, since the events go to the database.
 */
export function workerBuildOptions(
  parsed: BuildOptions,
  artifactsDir: string,
  jobId: string,
): BuildOptions {
  return {
    ...parsed,
    imageName: jobOutputBase(artifactsDir, jobId, parsed.imageName),
    logfile: undefined,
    jsonLog: undefined,
    htmlReport: undefined,
    quiet: true,
    // Each job writes below its own id, and IMAGE_NAME is a step-cache input: nothing stored
    // would ever be reused, so the step cache stays off (docs/cache.md).
    noCache: true,
  }
}

/** Options of disk-image-create that name a file on the submitter's machine. */
export const SUBMITTER_FILE_OPTIONS: readonly string[] = [
  '--logfile',
  '--json-log',
  '--html-report',
  '--image-cache',
]

/** The first option in `argv` that a farm job cannot honour, if any. */
export function submitterFileOption(argv: readonly string[]): string | undefined {
  for (const arg of argv) {
    if (arg === '--') return undefined
    const name = arg.split('=')[0] ?? arg
    if (SUBMITTER_FILE_OPTIONS.includes(name)) return name
  }
  return undefined
}

/** DIB_BLOCK_DEVICE_CONFIG may name a file; that file is not on the worker. */
export function submitterFileSetting(env: Readonly<Record<string, string>>): string | undefined {
  return readSetting(env, 'blockDeviceConfig')?.startsWith('file://') === true
    ? 'DIB_BLOCK_DEVICE_CONFIG'
    : undefined
}
