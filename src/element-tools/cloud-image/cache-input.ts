// The base cloud image as an input of the step cache. A local image counts by its identity
// (path, size, change time: hashing gigabytes for every no-op build is not worth it); a download
// is only known once its checksum list is read during the build, so such a build is not cached.
import { stat } from 'node:fs/promises'

/** The element whose root.d step starts from a cloud image. */
export const CLOUD_IMAGE_ELEMENT = 'redhat-common'

export async function cloudImageParts(
  elements: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ readonly name: string; readonly identity: string }[] | { readonly unknown: string }> {
  if (!elements.includes(CLOUD_IMAGE_ELEMENT)) return []
  const local = env['DIB_LOCAL_IMAGE'] ?? ''
  if (local === '')
    return { unknown: 'the cloud image to download is only known once its checksum list is read' }
  const info = await stat(local).catch(() => undefined)
  return [
    {
      name: 'base cloud image',
      identity: `${local}\n${info?.size ?? 'missing'}\n${info?.ctimeMs ?? ''}\n${info?.mtimeMs ?? ''}`,
    },
  ]
}
