import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.ts'
import {
  blobPath,
  buildDockerArchiveManifest,
  buildOciConfig,
  buildOciIndex,
  buildOciManifest,
  defaultImageReference,
  describeBlob,
  encodeJson,
  mapOciPlatform,
  OCI_MEDIA_TYPES,
  parseImageReference,
  sha256Digest,
} from '../../../src/output/oci-layout.ts'

describe('mapOciPlatform', () => {
  it.each([
    ['amd64', { os: 'linux', architecture: 'amd64' }],
    ['x86_64', { os: 'linux', architecture: 'amd64' }],
    ['arm64', { os: 'linux', architecture: 'arm64' }],
    ['aarch64', { os: 'linux', architecture: 'arm64' }],
    ['armhf', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['i386', { os: 'linux', architecture: '386' }],
    ['ppc64el', { os: 'linux', architecture: 'ppc64le' }],
    ['s390x', { os: 'linux', architecture: 's390x' }],
  ])('%s → %j', (arch, platform) => {
    expect(mapOciPlatform(arch)).toEqual(platform)
  })

  it('rejects an unknown architecture', () => {
    expect(() => mapOciPlatform('pdp11')).toThrow(ConfigError)
    expect(() => mapOciPlatform('pdp11')).toThrow(
      /^Cannot write an OCI image for architecture "pdp11"/,
    )
  })
})

describe('parseImageReference', () => {
  it.each([
    ['debian', 'docker.io/library/debian:latest', 'latest'],
    ['debian:12', 'docker.io/library/debian:12', '12'],
    ['me/debian:12', 'docker.io/me/debian:12', '12'],
    ['quay.io/me/deb:v1.0', 'quay.io/me/deb:v1.0', 'v1.0'],
    ['localhost:5000/deb', 'localhost:5000/deb:latest', 'latest'],
    ['localhost/deb:x', 'localhost/deb:x', 'x'],
    ['my-img_2.a__b:T_1', 'docker.io/library/my-img_2.a__b:T_1', 'T_1'],
  ])('%s → %s', (reference, full, tag) => {
    expect(parseImageReference(reference)).toEqual({ full, tag })
  })

  it.each([
    ['Debian:12', /must be lower-case/],
    ['debian:', /"" is not a valid tag/],
    ['debian:-x', /"-x" is not a valid tag/],
    ['-debian', /must be lower-case/],
    ['a//b', /must be lower-case/],
    ['bad_host.x/a', /"bad_host.x" is not a valid registry/],
  ])('rejects %s', (reference, why) => {
    expect(() => parseImageReference(reference)).toThrow(ConfigError)
    expect(() => parseImageReference(reference)).toThrow(why)
  })
})

describe('defaultImageReference', () => {
  it.each([
    ['debian', 'debian:latest'],
    ['out/Debian_12', 'debian_12:latest'],
    ['My Image!!', 'my-image:latest'],
    ['--x--', 'x:latest'],
    ['a..b', 'a-b:latest'],
    ['!!!', 'image:latest'],
  ])('%s → %s, which parses', (name, reference) => {
    expect(defaultImageReference(name)).toBe(reference)
    expect(() => parseImageReference(reference)).not.toThrow()
  })
})

describe('OCI documents', () => {
  const layer = {
    mediaType: OCI_MEDIA_TYPES.layerGzip,
    digest: 'sha256:' + 'a'.repeat(64),
    size: 10,
  }
  const platform = mapOciPlatform('arm64')

  it('digests exactly the encoded bytes', () => {
    const data = encodeJson({ b: 1, a: [2] })
    expect(data.toString()).toBe('{"b":1,"a":[2]}')
    const hex = createHash('sha256').update(data).digest('hex')
    expect(sha256Digest(data)).toBe(`sha256:${hex}`)
    expect(describeBlob(OCI_MEDIA_TYPES.config, data)).toEqual({
      mediaType: OCI_MEDIA_TYPES.config,
      digest: `sha256:${hex}`,
      size: data.length,
    })
    expect(blobPath(`sha256:${hex}`)).toBe(`blobs/sha256/${hex}`)
  })

  it('config names the platform and the layer diff_id', () => {
    const config = buildOciConfig({
      platform,
      diffId: 'sha256:d',
      created: '2023-11-14T22:13:20.000Z',
    })
    expect(config).toMatchObject({
      architecture: 'arm64',
      os: 'linux',
      created: '2023-11-14T22:13:20.000Z',
      rootfs: { type: 'layers', diff_ids: ['sha256:d'] },
      config: { Cmd: ['/bin/sh'] },
    })
  })

  it('manifest, index and docker manifest point at the blobs', () => {
    const config = describeBlob(OCI_MEDIA_TYPES.config, encodeJson({}))
    const manifest = buildOciManifest(config, layer)
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MEDIA_TYPES.manifest,
      config,
      layers: [layer],
    })
    const reference = parseImageReference('deb:12')
    const described = describeBlob(OCI_MEDIA_TYPES.manifest, encodeJson(manifest))
    expect(buildOciIndex(described, platform, reference)).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MEDIA_TYPES.index,
      manifests: [
        {
          ...described,
          platform,
          annotations: {
            'io.containerd.image.name': 'docker.io/library/deb:12',
            'org.opencontainers.image.ref.name': '12',
          },
        },
      ],
    })
    expect(buildDockerArchiveManifest(config, layer, reference)).toEqual([
      {
        Config: blobPath(config.digest),
        RepoTags: ['docker.io/library/deb:12'],
        Layers: [`blobs/sha256/${'a'.repeat(64)}`],
      },
    ])
  })
})
