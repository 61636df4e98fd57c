// The JSON documents of an OCI image layout (image-spec 1.0): config, manifest, index, plus the
// docker-archive `manifest.json` so that `docker load` accepts the archive on older daemons
// too. Pure: the archive writer hashes the bytes these return.
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { ConfigError } from '../errors.ts'

export const OCI_MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const

export const OCI_LAYOUT_FILE = { imageLayoutVersion: '1.0.0' } as const

export interface OciPlatform {
  readonly architecture: string
  readonly os: 'linux'
  readonly variant?: string
}

export interface OciDescriptor {
  readonly mediaType: string
  readonly digest: string
  readonly size: number
}

// Build architectures (Debian and kernel spellings, as DIB's ARCH) to Go's GOARCH names.
const PLATFORMS: Readonly<
  Record<string, { readonly architecture: string; readonly variant?: string }>
> = {
  amd64: { architecture: 'amd64' },
  x86_64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armv7l: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v5' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
  ppc64el: { architecture: 'ppc64le' },
  ppc64le: { architecture: 'ppc64le' },
  ppc64: { architecture: 'ppc64' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  mips64el: { architecture: 'mips64le' },
}

export function mapOciPlatform(arch: string): OciPlatform {
  const platform = PLATFORMS[arch]
  if (!platform) {
    const known = Object.keys(PLATFORMS)
      .map((name) => `"${name}"`)
      .join(', ')
    throw new ConfigError(
      `Cannot write an OCI image for architecture "${arch}": unknown architecture; known are ${known}`,
    )
  }
  return { os: 'linux', ...platform }
}

export interface ImageReference {
  /** `docker.io/library/debian:12`: what containerd and `docker load` store. */
  readonly full: string
  readonly tag: string
}

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const NAME_PATTERN = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`)
const DOMAIN_PATTERN = /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*)(?::[0-9]+)?$/
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/

/** Parse `[registry/]path[:tag]` the way Docker does, defaulting to docker.io and `latest`. */
export function parseImageReference(reference: string): ImageReference {
  const fail = (why: string): never => {
    throw new ConfigError(`Cannot use image reference "${reference}": ${why}`, {
      hint: 'use the form "name:tag", e.g. "debian-custom:12"',
    })
  }
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  const hasTag = colon > slash
  const tag = hasTag ? reference.slice(colon + 1) : 'latest'
  const repository = hasTag ? reference.slice(0, colon) : reference
  if (!TAG_PATTERN.test(tag)) fail(`"${tag}" is not a valid tag`)
  const parts = repository.split('/')
  const first = parts[0] ?? ''
  const hasDomain =
    parts.length > 1 && (first === 'localhost' || first.includes('.') || first.includes(':'))
  const domain = hasDomain ? first : 'docker.io'
  if (hasDomain && !DOMAIN_PATTERN.test(domain)) fail(`"${domain}" is not a valid registry`)
  let path = (hasDomain ? parts.slice(1) : parts).join('/')
  if (!NAME_PATTERN.test(path)) fail(`"${path}" must be lower-case letters, digits and separators`)
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`
  return { full: `${domain}/${path}:${tag}`, tag }
}

/** A valid reference derived from the image name when none was given (`Debian_12` → `debian_12:latest`). */
export function defaultImageReference(imageName: string): string {
  const name = basename(imageName)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/[._-]{2,}/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
  return `${name === '' ? 'image' : name}:latest`
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/** Serialise a document once: the digest is over exactly these bytes. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value))
}

export function describeBlob(mediaType: string, data: Buffer): OciDescriptor {
  return { mediaType, digest: sha256Digest(data), size: data.length }
}

export interface OciConfigInput {
  readonly platform: OciPlatform
  readonly diffId: string
  readonly created: string
}

export function buildOciConfig(input: OciConfigInput): Record<string, unknown> {
  return {
    created: input.created,
    ...input.platform,
    // a runnable default; `docker import` leaves an image that cannot start without a command
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
    },
    rootfs: { type: 'layers', diff_ids: [input.diffId] },
    history: [{ created: input.created, created_by: 'imagewright' }],
  }
}

export function buildOciManifest(
  config: OciDescriptor,
  layer: OciDescriptor,
): Record<string, unknown> {
  return { schemaVersion: 2, mediaType: OCI_MEDIA_TYPES.manifest, config, layers: [layer] }
}

export function buildOciIndex(
  manifest: OciDescriptor,
  platform: OciPlatform,
  reference: ImageReference,
): Record<string, unknown> {
  return {
    schemaVersion: 2,
    mediaType: OCI_MEDIA_TYPES.index,
    manifests: [
      {
        ...manifest,
        platform,
        // the same pair `docker save` and BuildKit write: full name for containerd, tag for OCI
        annotations: {
          'io.containerd.image.name': reference.full,
          'org.opencontainers.image.ref.name': reference.tag,
        },
      },
    ],
  }
}

export function blobPath(digest: string): string {
  return `blobs/${digest.replace(':', '/')}`
}

export function buildDockerArchiveManifest(
  config: OciDescriptor,
  layer: OciDescriptor,
  reference: ImageReference,
): unknown[] {
  return [
    {
      Config: blobPath(config.digest),
      RepoTags: [reference.full],
      Layers: [blobPath(layer.digest)],
    },
  ]
}
