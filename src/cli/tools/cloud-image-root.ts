// imagewright-cloud-image-root: the root.d step of redhat-common. Fills TARGET_ROOT from the
// distribution's cloud image: DIB_LOCAL_IMAGE as it is, or the image DIB_CLOUD_IMAGES offers
// for DIB_RELEASE, downloaded with cache-url and verified against the vendor's checksum list.
// Its loop devices, mounts and working copy are journaled in the state directory for
// `imagewright cleanup`, and released on success, failure and SIGTERM alike.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { extractRoot } from '../../customize/extract-root.ts'
import { fetchImage } from '../../element-tools/cloud-image/fetch-image.ts'
import { resolveSource } from '../../element-tools/cloud-image/sources.ts'
import { isCompressed } from '../../element-tools/cloud-image/unpack-image.ts'
import { readSetting } from '../../config/settings.ts'
import { ConfigError, isBuilderError, UsageError } from '../../errors.ts'
import { hostEnv, ProcessRunner } from '../../exec/run.ts'
import { FileJournal, JOURNAL_SUFFIX } from '../../host/journal.ts'
import { newBuildId, stateDir } from '../../pipeline/workspace.ts'
import { TextReporter } from '../../report/text-reporter.ts'

const NAME = 'imagewright-cloud-image-root'
const USAGE = `Usage: ${NAME}
Fills TARGET_ROOT from the cloud image of DISTRO_NAME: DIB_LOCAL_IMAGE, or the image in
DIB_CLOUD_IMAGES for DIB_RELEASE (BASE_IMAGE_FILE picks one), verified against the
directory's checksum list and cached in DIB_IMAGE_CACHE (DIB_OFFLINE uses the cache only).`

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const need = (name: string): string => {
    const value = env[name]
    if (value === undefined || value === '')
      throw new UsageError(`${name} is not set: run me from a root.d hook`)
    return value
  }
  const distro = need('DISTRO_NAME')
  const targetRoot = need('TARGET_ROOT')
  const controller = new AbortController()
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => controller.abort(new Error(`stopped by ${signal}`)))
  const reporter = new TextReporter({
    write: (text) => process.stdout.write(text),
    timestamps: false,
    verbose: false,
  })
  const runner = new ProcessRunner({ reporter, signal: controller.signal, baseEnv: hostEnv() })
  // Releases what was taken even after a signal.
  const resourceRunner = new ProcessRunner({ reporter, baseEnv: hostEnv() })
  const source = resolveSource(distro, env)
  if (source.kind === 'local' && isCompressed(source.path))
    throw new ConfigError(
      `DIB_LOCAL_IMAGE=${source.path} is compressed: unpack it first (unxz --keep) and give the .qcow2 or .raw`,
    )
  const image =
    source.kind === 'local'
      ? source.path
      : (
          await fetchImage(source, {
            runner,
            reporter,
            cacheUrl: join(need('TMP_HOOKS_PATH'), 'bin', 'cache-url'),
            imageCache: need('DIB_IMAGE_CACHE'),
            offline: readSetting(env, 'offline'),
          })
        ).path
  const buildId = `cloud-image-${newBuildId()}`
  const journal = new FileJournal(join(stateDir(env), `${buildId}${JOURNAL_SUFFIX}`), buildId)
  await extractRoot(image, targetRoot, readSetting(env, 'tmpDir'), {
    runner: resourceRunner,
    reporter,
    journal,
  })
  controller.signal.throwIfAborted()
  // Everything was released: an empty journal is only noise for `imagewright cleanup`.
  if (journal.entries.length === 0) await rm(journal.path, { force: true })
}

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`)
} else if (args.length > 0) {
  process.stderr.write(`${NAME}: takes no arguments\n${USAGE}\n`)
  process.exitCode = 2
} else {
  await main(process.env).catch((error: unknown) => {
    if (isBuilderError(error)) {
      process.stderr.write(`${NAME}: ${error.message}\n`)
      if (error.hint !== undefined) process.stderr.write(`${NAME}: ${error.hint}\n`)
      process.exitCode = error.exitCode
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
      process.stderr.write(`${NAME}: ${detail}\n`)
      process.exitCode = 1
    }
  })
}
