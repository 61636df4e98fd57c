import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished, describe, expect, it } from 'vitest'
import {
  checksumFor,
  parseChecksumFile,
} from '../../../src/element-tools/cloud-image/checksum-file.ts'
import {
  describeBaseImage,
  digestFilePath,
  planBaseImage,
} from '../../../src/element-tools/cloud-image/cache-state.ts'
import {
  UBUNTU_DEFAULT_RELEASE,
  ubuntuCloudImage,
} from '../../../src/element-tools/cloud-image/ubuntu-image.ts'
import { defaultSourcesConf } from '../../../src/element-tools/debian-release/apt-sources.ts'
import { readDebianSettings } from '../../../src/element-tools/debian-release/settings.ts'

const A = 'a'.repeat(64)
const B = 'B'.repeat(64)

describe('checksum lists', () => {
  it('reads sha256sum lines (text and binary mode) and tagged lines, skipping the rest', () => {
    const text = [
      '-----BEGIN PGP SIGNED MESSAGE-----',
      '# a comment',
      `${A} *noble-server-cloudimg-amd64.squashfs`,
      `${A.replace(/a/g, 'c')}  noble-server-cloudimg-amd64.img`,
      `SHA256 (CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2) = ${B}`,
      'MD5 (x.qcow2) = 0123',
      `${A} not-a-digest-line-with-one-space`,
    ].join('\r\n')
    expect(parseChecksumFile(text).map((entry) => [entry.name, entry.sha256])).toEqual([
      ['noble-server-cloudimg-amd64.squashfs', A],
      ['noble-server-cloudimg-amd64.img', 'c'.repeat(64)],
      ['CentOS-Stream-GenericCloud-9-latest.x86_64.qcow2', 'b'.repeat(64)],
    ])
  })

  it('finds a name given with a path, and nothing for a name it lacks', () => {
    const text = `${A} *noble-server-cloudimg-amd64-root.tar.xz\n`
    expect(checksumFor(text, '/cache/noble-server-cloudimg-amd64-root.tar.xz')).toBe(A)
    expect(checksumFor(text, 'noble-server-cloudimg-arm64-root.tar.xz')).toBeUndefined()
  })
})

describe('the ubuntu cloud image', () => {
  it("defaults to DIB's URL and file name for the current LTS release", () => {
    expect(ubuntuCloudImage({ ARCH: 'amd64', DIB_IMAGE_CACHE: '/c' })).toEqual({
      file: 'noble-server-cloudimg-amd64.squashfs',
      url: 'https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.squashfs',
      sumsUrl: 'https://cloud-images.ubuntu.com/noble/current/SHA256SUMS',
      cachedFile: '/c/noble-server-cloudimg-amd64.squashfs',
      cachedSums: '/c/SHA256SUMS.ubuntu.noble.amd64',
    })
  })

  it('follows DIB_CLOUD_IMAGES, DIB_RELEASE, ARCH, BASE_IMAGE_FILE and SHA256SUMS', () => {
    const spec = ubuntuCloudImage({
      ARCH: 'arm64',
      DIB_RELEASE: 'jammy',
      DIB_IMAGE_CACHE: '/c',
      DIB_CLOUD_IMAGES: 'http://127.0.0.1:8080/ubuntu/',
      BASE_IMAGE_FILE: 'jammy-server-cloudimg-arm64-root.tar.xz',
    })
    expect(spec.url).toBe('http://127.0.0.1:8080/ubuntu/jammy-server-cloudimg-arm64-root.tar.xz')
    expect(spec.sumsUrl).toBe('http://127.0.0.1:8080/ubuntu/SHA256SUMS')
    expect(spec.cachedSums).toBe('/c/SHA256SUMS.ubuntu.jammy.arm64')
    expect(ubuntuCloudImage({ SHA256SUMS: 'https://x/SUMS' }).sumsUrl).toBe('https://x/SUMS')
    // The two releases before squashfs images were published as root tarballs.
    expect(ubuntuCloudImage({ DIB_RELEASE: 'xenial', ARCH: 'amd64' }).file).toBe(
      'xenial-server-cloudimg-amd64-root.tar.gz',
    )
  })

  it("has the default release ubuntu-common's environment.d file sets", () => {
    const file = readFileSync(
      join(
        import.meta.dirname,
        '../../../elements/ubuntu-common/environment.d/10-ubuntu-common.bash',
      ),
      'utf8',
    )
    expect(file).toContain(`DIB_RELEASE=\${DIB_RELEASE:-${UBUNTU_DEFAULT_RELEASE}}`)
  })

  it('tells plan whether the cached copy is the published one, offline from the cached list', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'iw-cloud-image-'))
    onTestFinished(() => rmSync(cache, { recursive: true, force: true }))
    const spec = ubuntuCloudImage({
      DIB_IMAGE_CACHE: cache,
      DIB_CLOUD_IMAGES: 'http://127.0.0.1:9/none',
    })
    expect((await planBaseImage(spec, true)).state).toBe('absent')
    writeFileSync(spec.cachedSums, `${A} *${spec.file}\n`)
    writeFileSync(spec.cachedFile, 'image')
    expect((await planBaseImage(spec, true)).state).toBe('unchecked')
    writeFileSync(digestFilePath(spec.cachedFile), `${B.toLowerCase()}  ${spec.file}\n`)
    expect((await planBaseImage(spec, true)).state).toBe('outdated')
    writeFileSync(digestFilePath(spec.cachedFile), `${A}  ${spec.file}\n`)
    const planned = await planBaseImage(spec, true)
    expect(planned).toMatchObject({ state: 'current', sha256: A, sha256From: 'cache' })
    expect(describeBaseImage(planned, true)).toEqual([
      `  ${spec.url}`,
      `  sha256: ${A} (cached ${spec.sumsUrl})`,
      `  cache:  ${spec.cachedFile}: cached, matches the published checksum: not downloaded again`,
    ])
    // Online with the server unreachable: the cached list still answers.
    expect((await planBaseImage(spec, false)).sha256From).toBe('cache')
  })
})

describe("Ubuntu's apt sources", () => {
  it('puts every suite of DIB_UBUNTU_MIRROR_DISTS on the one mirror', () => {
    const settings = readDebianSettings({
      DISTRO_NAME: 'ubuntu',
      DIB_DISTRIBUTION_MIRROR: 'http://archive.ubuntu.com/ubuntu/',
      DIB_DEBIAN_COMPONENTS: 'main,universe',
    })
    expect(defaultSourcesConf(settings, 'noble').split('\n')).toEqual([
      'default:deb http://archive.ubuntu.com/ubuntu noble main universe',
      'updates:deb http://archive.ubuntu.com/ubuntu noble-updates main universe',
      'security:deb http://archive.ubuntu.com/ubuntu noble-security main universe',
      'backports:deb http://archive.ubuntu.com/ubuntu noble-backports main universe',
    ])
    const bare = readDebianSettings({ DISTRO_NAME: 'ubuntu', DIB_UBUNTU_MIRROR_DISTS: '' })
    expect(defaultSourcesConf(bare, 'jammy')).toBe(
      'default:deb http://deb.debian.org/debian jammy main',
    )
  })
})
