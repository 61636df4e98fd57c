// Where the Red Hat family's cloud images live, by DISTRO_NAME and DIB_RELEASE, with DIB's
// setting names (DIB_CLOUD_IMAGES, DIB_LOCAL_IMAGE, BASE_IMAGE_FILE, DIB_FLAVOR) and current
// defaults. Pure: what to download is decided here, fetch-image.ts downloads it.
import { ConfigError } from '../../errors.ts'

export type CloudImageSource =
  | { readonly kind: 'local'; readonly path: string }
  | {
      readonly kind: 'download'
      /** DIB_CLOUD_IMAGES: the directory holding the images and their checksum list. */
      readonly baseUrl: string
      /** Checksum lists to try in order (a 404 moves to the next). */
      readonly checksumFiles: readonly string[]
      /** When the list's name carries a compose id (Fedora): found in the directory's index. */
      readonly checksumIndexPattern?: RegExp | undefined
      /** BASE_IMAGE_FILE, or the newest name in the checksum list matching `pattern`. */
      readonly file?: string | undefined
      readonly pattern: RegExp
    }

export interface DistroDefaults {
  readonly release: string
  readonly releases: string
  /** The image directory for a release and architecture. */
  url(release: string, arch: string): string
  /** Images of that release in the checksum list. */
  pattern(release: string, arch: string, flavor: string): RegExp
  readonly checksumFiles: readonly string[]
  readonly checksumIndexPattern?: (release: string, arch: string) => RegExp
  /** The release as the vendor's directory names it, or undefined when it is not one. */
  normalize(release: string): string | undefined
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const major = (release: string): string | undefined =>
  /^\d+$/.test(release) && Number(release) >= 8 ? release : undefined

/** The distributions the redhat-common root step knows, by DISTRO_NAME. */
export const DISTROS: Readonly<Record<string, DistroDefaults>> = {
  centos: {
    release: '9-stream',
    releases: '9-stream, 10-stream',
    url: (release, arch) => `https://cloud.centos.org/centos/${release}/${arch}/images`,
    pattern: (release, arch, flavor) =>
      new RegExp(
        `^CentOS-Stream-${escape(flavor)}-${escape(release.replace('-stream', ''))}-\\d{8}\\.\\d+\\.${escape(arch)}\\.qcow2(\\.xz)?$`,
      ),
    checksumFiles: ['CHECKSUM', 'SHA256SUMS'],
    normalize: (release) => {
      const stream = /^(\d+)(-stream)?$/.exec(release)
      return stream && Number(stream[1]) >= 9 ? `${stream[1] ?? ''}-stream` : undefined
    },
  },
  rocky: {
    release: '9',
    releases: '8, 9, 10',
    url: (release, arch) => `https://dl.rockylinux.org/pub/rocky/${release}/images/${arch}`,
    pattern: (release, arch, flavor) =>
      new RegExp(
        `^Rocky-${escape(release)}-${escape(flavor)}-Base-[\\d.]+-\\d{8}\\.\\d+\\.${escape(arch)}\\.qcow2(\\.xz)?$`,
      ),
    checksumFiles: ['CHECKSUM', 'SHA256SUMS'],
    normalize: major,
  },
  almalinux: {
    release: '9',
    releases: '8, 9, 10',
    url: (release, arch) => `https://repo.almalinux.org/almalinux/${release}/cloud/${arch}/images`,
    pattern: (release, arch, flavor) =>
      new RegExp(
        `^AlmaLinux-${escape(release)}-${escape(flavor)}-[\\d.]+-\\d{8}(\\.\\d+)?\\.${escape(arch)}\\.qcow2(\\.xz)?$`,
      ),
    checksumFiles: ['CHECKSUM', 'SHA256SUMS'],
    normalize: major,
  },
  fedora: {
    release: '43',
    releases: '42, 43 and later',
    url: (release, arch) =>
      `https://download.fedoraproject.org/pub/fedora/linux/releases/${release}/Cloud/${arch}/images`,
    pattern: (release, arch) =>
      new RegExp(
        `^Fedora-Cloud-Base-Generic-${escape(release)}-[\\d.]+\\.${escape(arch)}\\.qcow2(\\.xz)?$`,
      ),
    checksumFiles: ['SHA256SUMS'],
    checksumIndexPattern: (release, arch) =>
      new RegExp(`Fedora-Cloud-${escape(release)}-[\\d.]+-${escape(arch)}-CHECKSUM`),
    normalize: (release) => (/^\d+$/.test(release) && Number(release) >= 28 ? release : undefined),
  },
}

/** DIB's ARCH (amd64, arm64) as the vendors name it in their paths. */
export function vendorArch(arch: string): string {
  const names: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64' }
  const name = names[arch] ?? arch
  if (!['x86_64', 'aarch64', 'ppc64le', 's390x'].includes(name))
    throw new ConfigError(`Cannot build a Red Hat family image for ARCH=${arch}`, {
      hint: 'Use ARCH=amd64 (x86_64), arm64 (aarch64), ppc64le or s390x',
    })
  return name
}

/** The message for a release no vendor publishes any more (the seed's CentOS 7 example). */
export function retiredRelease(distro: string, release: string): string | undefined {
  if (distro.startsWith('centos') && (/^[5-8]$/.test(release) || /GenericCloud/.test(release)))
    return `CentOS ${/^[5-8]$/.test(release) ? release : '7'} is end of life and its cloud images are gone: use the centos element with DIB_RELEASE=9-stream (CentOS Stream 9), or rocky/almalinux with DIB_RELEASE=9`
  return undefined
}

export type Env = Readonly<Record<string, string | undefined>>

/** The release to build: DIB_RELEASE as the vendor spells it, else the distribution's default. */
export function resolveRelease(distro: string, env: Env): string {
  const defaults = DISTROS[distro]
  const given = env['DIB_RELEASE'] ?? ''
  const retired = retiredRelease(distro, given)
  if (retired !== undefined) throw new ConfigError(`DIB_RELEASE=${given}: ${retired}`)
  if (defaults === undefined || given === '') return defaults?.release ?? given
  const release = defaults.normalize(given)
  if (release === undefined)
    throw new ConfigError(`DIB_RELEASE=${given} is not a ${distro} release with cloud images`, {
      hint: `Use one of ${defaults.releases}`,
    })
  return release
}

/** What the root step starts from: DIB_LOCAL_IMAGE, else a download from DIB_CLOUD_IMAGES. */
export function resolveSource(distro: string, env: Env): CloudImageSource {
  const local = env['DIB_LOCAL_IMAGE'] ?? ''
  if (local !== '') return { kind: 'local', path: local }
  const release = resolveRelease(distro, env)
  const arch = vendorArch(env['ARCH'] ?? 'amd64')
  const flavor = env['DIB_FLAVOR'] || 'GenericCloud'
  const file = env['BASE_IMAGE_FILE'] || undefined
  const defaults = DISTROS[distro]
  const given = (env['DIB_CLOUD_IMAGES'] ?? '').replace(/\/+$/, '')
  if (defaults === undefined) {
    if (given === '' || file === undefined)
      throw new ConfigError(`No base image for DISTRO_NAME=${distro}: set DIB_LOCAL_IMAGE`, {
        hint:
          distro === 'rhel'
            ? 'RHEL images need a Red Hat login: download the KVM guest image and give its path as DIB_LOCAL_IMAGE (or DIB_CLOUD_IMAGES and BASE_IMAGE_FILE for a mirror of your own)'
            : 'Or set both DIB_CLOUD_IMAGES and BASE_IMAGE_FILE',
      })
    return {
      kind: 'download',
      baseUrl: given,
      checksumFiles: ['SHA256SUMS', 'CHECKSUM'],
      file,
      pattern: new RegExp(`^${escape(file)}$`),
    }
  }
  return {
    kind: 'download',
    baseUrl: given || defaults.url(release, arch),
    checksumFiles: defaults.checksumFiles,
    checksumIndexPattern: defaults.checksumIndexPattern?.(release, arch),
    file,
    pattern: defaults.pattern(release, arch, flavor),
  }
}
