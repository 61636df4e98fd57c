// Where `plan` finds a Red Hat family build's base image: the image the root step would take
// (BASE_IMAGE_FILE, else the newest of the release in the vendor's checksum list, read from the
// server or, offline, from the copy the last build cached) and where the cache keeps it.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getHttpText, isOk } from '../../util/http-get.ts'
import { newestMatching, parseChecksumFile } from './checksum-file.ts'
import { cacheDirFor } from './fetch-image.ts'
import { resolveSource, type Env } from './sources.ts'
import type { CloudImageSpec } from './ubuntu-image.ts'

const TIMEOUT_MS = 30_000

/** Undefined for DIB_LOCAL_IMAGE (nothing to download) or when no list names an image. */
export async function redhatCloudImage(
  distro: string,
  env: Env,
  imageCache: string,
  offline: boolean,
): Promise<CloudImageSpec | undefined> {
  const source = resolveSource(distro, env)
  if (source.kind === 'local') return undefined
  const dir = cacheDirFor(imageCache, source.baseUrl)
  for (const list of source.checksumFiles) {
    const sumsUrl = `${source.baseUrl}/${list}`
    const cachedSums = join(dir, list)
    const text = offline ? await cached(cachedSums) : await fetched(sumsUrl)
    if (text === undefined) continue
    const file = source.file ?? newestMatching(parseChecksumFile(text), source.pattern)
    if (file === undefined) return undefined
    return {
      file,
      url: `${source.baseUrl}/${file}`,
      sumsUrl,
      cachedFile: join(dir, file),
      cachedSums,
    }
  }
  return undefined
}

async function cached(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined)
}

async function fetched(url: string): Promise<string | undefined> {
  try {
    const response = await getHttpText(url, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    return isOk(response.status) ? response.text : undefined
  } catch {
    return undefined
  }
}
