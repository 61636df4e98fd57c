import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../../../src/errors.ts'
import { retiredElement } from '../../../../src/elements/retired-elements.ts'
import {
  resolveRelease,
  resolveSource,
  vendorArch,
  type CloudImageSource,
} from '../../../../src/element-tools/cloud-image/sources.ts'

type Download = Extract<CloudImageSource, { kind: 'download' }>
const download = (distro: string, env: Record<string, string>): Download => {
  const source = resolveSource(distro, { ARCH: 'amd64', ...env })
  if (source.kind !== 'download') throw new Error('expected a download')
  return source
}

describe('cloud image sources', () => {
  it('defaults to the current release of each distribution on its vendor', () => {
    expect(download('centos', {}).baseUrl).toBe(
      'https://cloud.centos.org/centos/9-stream/x86_64/images',
    )
    expect(download('rocky', {}).baseUrl).toBe(
      'https://dl.rockylinux.org/pub/rocky/9/images/x86_64',
    )
    expect(download('almalinux', { ARCH: 'arm64' }).baseUrl).toBe(
      'https://repo.almalinux.org/almalinux/9/cloud/aarch64/images',
    )
    const fedora = download('fedora', { DIB_RELEASE: '42' })
    expect(fedora.baseUrl).toBe(
      'https://download.fedoraproject.org/pub/fedora/linux/releases/42/Cloud/x86_64/images',
    )
    expect(
      fedora.checksumIndexPattern?.exec('<a href="Fedora-Cloud-42-1.1-x86_64-CHECKSUM">')?.[0],
    ).toBe('Fedora-Cloud-42-1.1-x86_64-CHECKSUM')
  })

  it("matches each vendor's image names for the release, architecture and flavour", () => {
    const centos = download('centos', { DIB_RELEASE: '10' }).pattern
    expect(centos.test('CentOS-Stream-GenericCloud-10-20250812.0.x86_64.qcow2')).toBe(true)
    expect(centos.test('CentOS-Stream-GenericCloud-9-20250812.0.x86_64.qcow2')).toBe(false)
    expect(centos.test('CentOS-Stream-GenericCloud-10-latest.x86_64.qcow2')).toBe(false)
    const ec2 = download('centos', { DIB_FLAVOR: 'ec2' }).pattern
    expect(ec2.test('CentOS-Stream-ec2-9-20250812.0.x86_64.qcow2')).toBe(true)
    expect(
      download('almalinux', {}).pattern.test('AlmaLinux-9-GenericCloud-9.6-20250522.x86_64.qcow2'),
    ).toBe(true)
    expect(
      download('fedora', { DIB_RELEASE: '42' }).pattern.test(
        'Fedora-Cloud-Base-Generic-42-1.1.x86_64.qcow2',
      ),
    ).toBe(true)
  })

  it('DIB_CLOUD_IMAGES and BASE_IMAGE_FILE override the vendor; DIB_LOCAL_IMAGE downloads nothing', () => {
    const mirror = download('rocky', {
      DIB_CLOUD_IMAGES: 'http://m/rocky/',
      BASE_IMAGE_FILE: 'r.qcow2',
    })
    expect(mirror.baseUrl).toBe('http://m/rocky')
    expect(mirror.file).toBe('r.qcow2')
    expect(resolveSource('rhel', { DIB_LOCAL_IMAGE: '/i/rhel.qcow2' })).toEqual({
      kind: 'local',
      path: '/i/rhel.qcow2',
    })
  })

  it('RHEL has no public download: without DIB_LOCAL_IMAGE it says what to give', () => {
    expect(() => resolveSource('rhel', { ARCH: 'amd64' })).toThrow(/set DIB_LOCAL_IMAGE/)
    expect(
      download('rhel', { DIB_CLOUD_IMAGES: 'http://m', BASE_IMAGE_FILE: 'x.qcow2' }).checksumFiles,
    ).toEqual(['SHA256SUMS', 'CHECKSUM'])
  })

  it("names the current equivalent for the seed's CentOS 7 example and refuses unknown releases", () => {
    expect(() => resolveRelease('centos', { DIB_RELEASE: 'GenericCloud-1503' })).toThrow(
      /DIB_RELEASE=GenericCloud-1503: CentOS 7 is end of life .*DIB_RELEASE=9-stream/,
    )
    expect(() => resolveRelease('centos', { DIB_RELEASE: '8' })).toThrow(ConfigError)
    expect(() => resolveRelease('rocky', { DIB_RELEASE: 'nine' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/not a rocky release/),
        hint: 'Use one of 8, 9, 10',
      }),
    )
    expect(resolveRelease('centos', { DIB_RELEASE: '9' })).toBe('9-stream')
    expect(resolveRelease('centos', {})).toBe('9-stream')
    expect(retiredElement('centos7')).toMatch(/centos element with DIB_RELEASE=9-stream/)
    expect(retiredElement('centos')).toBeUndefined()
  })

  it('maps DIB architectures to vendor paths and refuses others', () => {
    expect(vendorArch('amd64')).toBe('x86_64')
    expect(vendorArch('arm64')).toBe('aarch64')
    expect(() => vendorArch('i386')).toThrow(/ARCH=i386/)
  })
})
