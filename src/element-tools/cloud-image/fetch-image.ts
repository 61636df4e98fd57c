// The base image of a cloud-image build, downloaded with the cache-url element into
// DIB_IMAGE_CACHE and verified against the vendor's checksum list: a mismatch removes the bad
// copy and stops the build; DIB_OFFLINE uses what the cache holds without asking the server.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError, ImageInputError } from '../../errors.ts'
import type { Runner } from '../../exec/command.ts'
import type { Reporter } from '../../report/events.ts'
import { digestFilePath } from './cache-state.ts'
import { digestFor, newestMatching, parseChecksumFile } from './checksum-file.ts'
import type { CloudImageSource } from './sources.ts'
import { isCompressed, unpackCached } from './unpack-image.ts'

/** cache-url's exit status for a 404. */
const NOT_FOUND = 44

export interface FetchDeps {
  readonly runner: Runner
  readonly reporter: Reporter
  /** The cache-url element's script. */
  readonly cacheUrl: string
  readonly imageCache: string
  readonly offline: boolean
}

export interface FetchedImage {
  /** The disk image to open: the download, or its unpacked copy when it came as `.xz`. */
  readonly path: string
  readonly url: string
  /** Of the file as published (the compressed one for `.xz`). */
  readonly sha256: string
}

type Download = Extract<CloudImageSource, { kind: 'download' }>

/** One cache directory per image directory, so two vendors' CHECKSUM files never meet. */
export function cacheDirFor(imageCache: string, baseUrl: string): string {
  const key = createHash('sha256').update(baseUrl).digest('hex').slice(0, 16)
  return join(imageCache, 'cloud-images', key)
}

export async function fetchImage(source: Download, deps: FetchDeps): Promise<FetchedImage> {
  const dir = cacheDirFor(deps.imageCache, source.baseUrl)
  await mkdir(dir, { recursive: true })
  const list = await fetchChecksumList(source, dir, deps)
  const entries = parseChecksumFile(await readFile(list.path, 'utf8'))
  const name = source.file ?? newestMatching(entries, source.pattern)
  if (name === undefined)
    throw new ImageInputError(
      `No image in ${list.url} matches ${String(source.pattern)} (it lists ${entries.map((e) => e.name).join(', ') || 'nothing'})`,
      {
        hint: 'Set BASE_IMAGE_FILE to the image to use, or DIB_RELEASE to a release the server has',
      },
    )
  const expected = digestFor(entries, name)
  if (expected === undefined)
    throw new ImageInputError(`${list.url} lists no SHA-256 for ${name}`, {
      hint: 'Check BASE_IMAGE_FILE against the files on the server',
    })
  const url = `${source.baseUrl}/${name}`
  const path = join(dir, name)
  const cached = await stat(path).catch(() => undefined)
  if (deps.offline) {
    if (cached === undefined)
      throw new ConfigError(`DIB_OFFLINE is set and ${url} is not in the cache (${path})`, {
        hint: 'Build once online to fill DIB_IMAGE_CACHE, or give the image as DIB_LOCAL_IMAGE',
      })
    deps.reporter.emit({ kind: 'info', message: `Offline: using the cached ${path}` })
  } else {
    await download(url, path, deps, true)
  }
  const actual = await sha256File(path)
  if (actual !== expected) {
    await rm(path, { force: true })
    throw new ImageInputError(
      `Checksum mismatch for ${url}: ${list.url} says sha256 ${expected}, the download has ${actual}; the bad copy was removed from the cache`,
    )
  }
  // What `plan` compares with the published checksum to tell whether a build downloads again.
  await writeFile(digestFilePath(path), `${actual}  ${name}\n`)
  deps.reporter.emit({ kind: 'info', message: `Verified ${name}: sha256 ${actual}` })
  const image = isCompressed(path) ? await unpackCached(path, actual, deps) : path
  return { path: image, url, sha256: actual }
}

interface ChecksumList {
  readonly path: string
  readonly url: string
}

async function fetchChecksumList(
  source: Download,
  dir: string,
  deps: FetchDeps,
): Promise<ChecksumList> {
  const tried: string[] = []
  for (const name of source.checksumFiles) {
    const url = `${source.baseUrl}/${name}`
    const path = join(dir, name)
    if (deps.offline) {
      if (await stat(path).catch(() => undefined)) return { path, url }
    } else if (await download(url, path, deps, false)) {
      return { path, url }
    }
    tried.push(url)
  }
  if (source.checksumIndexPattern !== undefined) {
    const index = join(dir, 'index.html')
    if (deps.offline || (await download(`${source.baseUrl}/`, index, deps, false))) {
      const name = source.checksumIndexPattern.exec(
        await readFile(index, 'utf8').catch(() => ''),
      )?.[0]
      const url = `${source.baseUrl}/${name ?? ''}`
      const path = join(dir, name ?? 'CHECKSUM')
      if (name !== undefined) {
        if (deps.offline && (await stat(path).catch(() => undefined))) return { path, url }
        if (!deps.offline && (await download(url, path, deps, false))) return { path, url }
      }
      tried.push(`${source.baseUrl}/ (no name matching ${String(source.checksumIndexPattern)})`)
    }
  }
  throw new ImageInputError(
    deps.offline
      ? `DIB_OFFLINE is set and no checksum list of ${source.baseUrl} is in the cache (${dir})`
      : `No checksum list at ${tried.join(', ')}`,
    {
      hint: deps.offline
        ? 'Build once online to fill DIB_IMAGE_CACHE, or give the image as DIB_LOCAL_IMAGE'
        : 'Check DIB_CLOUD_IMAGES: it must be the directory holding the images and their CHECKSUM or SHA256SUMS',
    },
  )
}

/** cache-url URL DEST: true when DEST is current, false on a 404 unless `required`. */
async function download(
  url: string,
  dest: string,
  deps: FetchDeps,
  required: boolean,
): Promise<boolean> {
  const result = await deps.runner.run(
    { argv: [deps.cacheUrl, url, dest], label: `cache-url ${url}` },
    { allowFailure: true },
  )
  if (result.exitCode === 0) return true
  if (result.exitCode === NOT_FOUND && !required) return false
  const reason = result.stderr.trim().split('\n').at(-1) ?? `exit status ${result.exitCode}`
  throw new ImageInputError(`Cannot download ${url}: ${reason}`, {
    hint: 'Check DIB_CLOUD_IMAGES and the network, or build from a local copy with DIB_LOCAL_IMAGE',
  })
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
