// Which of the submitter's environment variables travel with a farm job. Only settings that mean
// the same on any builder go: DIB_* (minus the ones naming this machine's files) and the handful
// of plain names disk-image-create reads. Credentials travel too, but only sealed (secrets.ts).
import { isSecretName } from '../util/secrets.ts'

/** Plain names the build reads besides DIB_*. */
export const TRAVELLING_NAMES: ReadonlySet<string> = new Set([
  'ARCH',
  'FS_TYPE',
  'ROOT_LABEL',
  'IMAGE_TYPE',
  'MKFS_OPTS',
  'QEMU_IMG_OPTIONS',
  'DOCKER_TARGET',
  'MAX_ONLINE_RESIZE',
  'COMPRESS_IMAGE',
  'OVERWRITE_OLD_IMAGE',
  'SOURCE_DATE_EPOCH',
  'IMAGEWRIGHT_UUID_SEED',
  'IMAGEWRIGHT_HYGIENE',
  'IMAGEWRIGHT_QCOW2_COMPRESSION',
])

/** DIB_* names that point at the submitter's own disk or cache: the worker's own apply. */
export const STAYING_DIB_NAMES: ReadonlySet<string> = new Set([
  'DIB_IMAGE_CACHE',
  'DIB_LOCKFILES',
  'DIB_QUIET',
])

export interface TravellingEnv {
  /** Sent as they are, in the job's payload. */
  readonly plain: Readonly<Record<string, string>>
  /** Sent sealed: the job table never holds their values in clear. */
  readonly secret: Readonly<Record<string, string>>
}

/**
 * The part of `env` a job carries. `extra` names more variables to send (`submit --env NAME`);
 * a credential among them is still sealed.
 */
export function travellingEnv(
  env: Readonly<Record<string, string | undefined>>,
  extra: readonly string[] = [],
): TravellingEnv {
  const plain: Record<string, string> = {}
  const secret: Record<string, string> = {}
  for (const name of Object.keys(env).sort()) {
    const value = env[name]
    if (value === undefined || !travels(name, extra)) continue
    if (isSecretName(name)) secret[name] = value
    else plain[name] = value
  }
  return { plain, secret }
}

function travels(name: string, extra: readonly string[]): boolean {
  if (extra.includes(name)) return true
  if (name.startsWith('DIB_')) return !STAYING_DIB_NAMES.has(name)
  return TRAVELLING_NAMES.has(name)
}

/** Worker settings that must not leak into the builds it runs (they name the worker's files). */
const WORKER_ONLY = [
  'ELEMENTS_PATH',
  'IMAGEWRIGHT_JSON_LOG',
  'IMAGEWRIGHT_HTML_REPORT',
  'IMAGEWRIGHT_DB',
  'IMAGEWRIGHT_FARM_KEY_FILE',
]

/** The environment a job's build sees: the worker's own, then the job's settings over it. */
export function jobEnvironment(
  workerEnv: Readonly<Record<string, string | undefined>>,
  job: {
    readonly plain: Readonly<Record<string, string>>
    readonly secret: Readonly<Record<string, string>>
  },
  elementsPath: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(workerEnv)) {
    if (value !== undefined && !WORKER_ONLY.includes(name)) env[name] = value
  }
  Object.assign(env, job.plain, job.secret)
  if (elementsPath !== undefined) env['ELEMENTS_PATH'] = elementsPath
  return env
}
