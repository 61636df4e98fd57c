// Write an OCI image layout archive of a root tree: one gzip'd layer, its config, a manifest
// and an index, packed as a tar that `docker load`, `podman load` and skopeo accept.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { Runner } from '../exec/command.ts'
import { buildLayoutPackArgv } from './commands.ts'
import {
  blobPath,
  buildDockerArchiveManifest,
  buildOciConfig,
  buildOciIndex,
  buildOciManifest,
  describeBlob,
  encodeJson,
  OCI_LAYOUT_FILE,
  OCI_MEDIA_TYPES,
  type ImageReference,
  type OciDescriptor,
  type OciPlatform,
} from './oci-layout.ts'
import { packTree } from './produce.ts'

export interface OciArchiveInput {
  readonly root: string
  /** Where the finished archive goes. */
  readonly archive: string
  /** An empty scratch directory on the same filesystem, removed by the caller. */
  readonly stagingDir: string
  readonly platform: OciPlatform
  readonly reference: ImageReference
  readonly sourceDateEpoch?: number | undefined
  readonly now: Date
}

interface Layer {
  readonly descriptor: OciDescriptor
  readonly diffId: string
}

/** Gzip a layer tar into the blob store, hashing both sides in the same pass. */
async function storeLayer(tarPath: string, blobsDir: string, signal?: AbortSignal): Promise<Layer> {
  const uncompressed = createHash('sha256')
  const compressed = createHash('sha256')
  let size = 0
  const scratch = join(blobsDir, 'layer.partial')
  await pipeline(
    createReadStream(tarPath),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        uncompressed.update(chunk)
        yield chunk
      }
    },
    createGzip(),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        compressed.update(chunk)
        size += chunk.length
        yield chunk
      }
    },
    createWriteStream(scratch),
    signal === undefined ? {} : { signal },
  )
  const digest = `sha256:${compressed.digest('hex')}`
  await rename(scratch, join(blobsDir, digest.slice('sha256:'.length)))
  return {
    descriptor: { mediaType: OCI_MEDIA_TYPES.layerGzip, digest, size },
    diffId: `sha256:${uncompressed.digest('hex')}`,
  }
}

async function storeJsonBlob(
  layoutDir: string,
  mediaType: string,
  value: unknown,
): Promise<OciDescriptor> {
  const data = encodeJson(value)
  const descriptor = describeBlob(mediaType, data)
  await writeFile(join(layoutDir, blobPath(descriptor.digest)), data)
  return descriptor
}

/** Top-level entries of the tree, so layer paths read `etc/…` rather than `./etc/…`. */
async function listTopLevel(root: string): Promise<string[]> {
  const names = await readdir(root)
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

export async function writeOciArchive(
  input: OciArchiveInput,
  runner: Runner,
  signal?: AbortSignal,
): Promise<void> {
  const layoutDir = join(input.stagingDir, 'layout')
  const blobsDir = join(layoutDir, 'blobs', 'sha256')
  await mkdir(blobsDir, { recursive: true })

  const layerTar = join(input.stagingDir, 'layer.tar')
  const members = await listTopLevel(input.root)
  await packTree(
    {
      root: input.root,
      archive: layerTar,
      members: members.length > 0 ? members : ['.'],
      sourceDateEpoch: input.sourceDateEpoch,
    },
    runner,
  )
  const layer = await storeLayer(layerTar, blobsDir, signal)
  await rm(layerTar)

  const epoch = input.sourceDateEpoch
  const created = (epoch === undefined ? input.now : new Date(epoch * 1000)).toISOString()
  const config = await storeJsonBlob(
    layoutDir,
    OCI_MEDIA_TYPES.config,
    buildOciConfig({ platform: input.platform, diffId: layer.diffId, created }),
  )
  const manifest = await storeJsonBlob(
    layoutDir,
    OCI_MEDIA_TYPES.manifest,
    buildOciManifest(config, layer.descriptor),
  )
  const index = buildOciIndex(manifest, input.platform, input.reference)
  await writeFile(join(layoutDir, 'index.json'), encodeJson(index))
  await writeFile(join(layoutDir, 'oci-layout'), encodeJson(OCI_LAYOUT_FILE))
  const dockerManifest = buildDockerArchiveManifest(config, layer.descriptor, input.reference)
  await writeFile(join(layoutDir, 'manifest.json'), encodeJson(dockerManifest))

  const argv = buildLayoutPackArgv({
    layoutDir,
    archive: input.archive,
    members: ['oci-layout', 'index.json', 'manifest.json', 'blobs'],
    mtime: Math.floor(Date.parse(created) / 1000),
  })
  await runner.run({ argv, label: 'tar OCI layout' })
}
