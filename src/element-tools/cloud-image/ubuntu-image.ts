// Where the `ubuntu` element finds its base image: Ubuntu's cloud image for DIB_RELEASE under
// DIB_CLOUD_IMAGES, its SHA256SUMS, and the names both are cached under in DIB_IMAGE_CACHE.
// The defaults are DIB's (ubuntu-common's release, the ubuntu element's URL and file name).
import { join } from 'node:path'
import type { ToolEnv } from '../tool-env.ts'
import { readSetting } from '../tool-env.ts'

/** Ubuntu's current LTS release; ubuntu-common's environment.d sets the same default. */
export const UBUNTU_DEFAULT_RELEASE = 'noble'
export const UBUNTU_CLOUD_IMAGES = 'https://cloud-images.ubuntu.com'

export interface CloudImageSpec {
  /** The file's name on the server and in the cache. */
  readonly file: string
  readonly url: string
  readonly sumsUrl: string
  /** Where the image is kept between builds. */
  readonly cachedFile: string
  /** Where the checksum list is kept (one per release and architecture, as in DIB). */
  readonly cachedSums: string
  /** DIB_LOCAL_IMAGE: a file on the build host unpacked instead, nothing downloaded. */
  readonly localImage?: string
}

/** A squashfs since 18.04; the two releases before it published only root tarballs. */
function defaultFile(release: string, arch: string): string {
  return TARBALL_ONLY.has(release)
    ? `${release}-server-cloudimg-${arch}-root.tar.gz`
    : `${release}-server-cloudimg-${arch}.squashfs`
}
const TARBALL_ONLY = new Set(['trusty', 'xenial'])

/** Debian's architecture names are Ubuntu's; DIB passes ARCH through as they are. */
export function ubuntuCloudImage(env: ToolEnv): CloudImageSpec {
  const release = readSetting(env, 'DIB_RELEASE') ?? UBUNTU_DEFAULT_RELEASE
  const arch = readSetting(env, 'ARCH') ?? 'amd64'
  const cache = readSetting(env, 'DIB_IMAGE_CACHE') ?? '/var/cache/imagewright'
  const base = (
    readSetting(env, 'DIB_CLOUD_IMAGES') ?? `${UBUNTU_CLOUD_IMAGES}/${release}/current`
  ).replace(/\/+$/, '')
  const file = readSetting(env, 'BASE_IMAGE_FILE') ?? defaultFile(release, arch)
  const localImage = readSetting(env, 'DIB_LOCAL_IMAGE')
  return {
    ...(localImage === undefined ? {} : { localImage }),
    file,
    url: `${base}/${file}`,
    sumsUrl: readSetting(env, 'SHA256SUMS') ?? `${base}/SHA256SUMS`,
    cachedFile: join(cache, file),
    cachedSums: join(cache, `SHA256SUMS.ubuntu.${release}.${arch}`),
  }
}
