// `imagewright submit`: one build into the farm's queue. The elements are resolved here first,
// as the build would, for two reasons: a build whose elements do not resolve fails at once with
// the resolver's message (recorded in the history, never queued), and the resolution says which
// of the submitter's own elements the job must carry.
import { randomUUID } from 'node:crypto'
import type { BuildOptions } from '../config/build-options.ts'
import { resolveBuildElements } from '../pipeline/prepare-elements.ts'
import { type BuilderError, ElementError, UsageError } from '../errors.ts'
import type { Runner } from '../exec/command.ts'
import type { Reporter } from '../report/events.ts'
import { insertBuild } from './build-records.ts'
import { localElements, packElements } from './element-bundle.ts'
import { travellingEnv } from './env-allow-list.ts'
import { BUILD_EXPIRY_SECONDS, BUILD_QUEUE, type FarmDb } from './farm-db.ts'
import type { JobPayload } from './job-payload.ts'
import type { PgBoss } from './pg-boss.ts'
import { sealSecrets } from './secrets.ts'

export interface SubmitRequest {
  /** The build as parsed on the submitter (for element resolution). */
  readonly options: BuildOptions
  /** The command line as typed after `submit --`: what the worker parses again. */
  readonly argv: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
  /** More variable names to send (`--env NAME`). */
  readonly extraEnv: readonly string[]
  readonly key: Buffer | undefined
  readonly priority: number
  readonly retries: number
  readonly submittedBy: string
}

export type SubmitResult =
  | { readonly id: string; readonly queued: true; readonly travelled: readonly string[] }
  | { readonly id: string; readonly queued: false; readonly error: BuilderError }

export async function submitBuild(
  db: FarmDb,
  boss: PgBoss,
  request: SubmitRequest,
  deps: { readonly runner: Runner; readonly reporter: Reporter },
): Promise<SubmitResult> {
  const id = randomUUID()
  const command = request.argv.map(quoteArg).join(' ')
  const travelling = travellingEnv(request.env, request.extraEnv)
  const secretNames = Object.keys(travelling.secret)
  if (secretNames.length > 0 && request.key === undefined) {
    throw new UsageError(
      `Cannot send ${secretNames.join(', ')} with the job without a farm key: secrets travel only encrypted`,
      {
        hint: 'Give --key FILE (or IMAGEWRIGHT_FARM_KEY_FILE), the key file every worker has, or unset them',
      },
    )
  }
  let resolved
  try {
    resolved = await resolveBuildElements(request.options, deps.reporter)
  } catch (error) {
    if (!(error instanceof ElementError)) throw error
    await insertBuild(db.pool, {
      id,
      submittedBy: request.submittedBy,
      command,
      priority: request.priority,
      state: 'failed',
      errorCode: error.code,
      error: error.message,
      exitCode: error.exitCode,
    })
    return { id, queued: false, error }
  }
  const local = localElements(resolved.resolved.elements)
  const bundle =
    local.length === 0
      ? undefined
      : await packElements(local, { runner: deps.runner, tmpDir: request.options.tmpDir })
  const payload: JobPayload = {
    version: 1,
    argv: [...request.argv],
    env: { ...travelling.plain },
    secrets: request.key === undefined ? {} : sealSecrets(travelling.secret, request.key, id),
    bundle: bundle === undefined ? null : { digest: bundle.digest, elements: [...bundle.elements] },
    submittedBy: request.submittedBy,
  }
  const client = await db.pool.connect()
  try {
    await client.query('BEGIN')
    if (bundle) {
      await client.query(
        'INSERT INTO imagewright.bundles (digest, bytes, archive) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING',
        [bundle.digest, bundle.archive.length, bundle.archive],
      )
    }
    await insertBuild(client, {
      id,
      submittedBy: request.submittedBy,
      command,
      priority: request.priority,
      state: 'created',
    })
    // In the same transaction: a job is never queued without its record and archive, nor the reverse.
    await boss.send(BUILD_QUEUE, payload, {
      id,
      priority: request.priority,
      retryLimit: request.retries,
      expireInSeconds: BUILD_EXPIRY_SECONDS,
      db: { executeSql: (text: string, values: unknown[]) => client.query(text, values) },
    })
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
  return { id, queued: true, travelled: [...Object.keys(travelling.plain), ...secretNames] }
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`
}
