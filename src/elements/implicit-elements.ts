// Elements disk-image-create adds on its own before resolution.

export interface ImplicitElementOptions {
  /** `-n`: do not add `base`. */
  readonly skipBase: boolean
  /** Target architecture as given to `-a` (amd64, x86_64, arm64, aarch64, ...). */
  readonly arch: string
}

/**
 * The requested elements plus the implicit ones, appended: a default block-device element when
 * `vm` is requested without any `block-device-*` element (`vm` needs the virtual `block-device`,
 * so it could not resolve otherwise), and `base` unless skipped. Names already present are not
 * added twice.
 */
export function withImplicitElements(
  requested: readonly string[],
  options: ImplicitElementOptions,
): string[] {
  const elements = [...requested]
  const hasBlockDevice = elements.some((name) => name.startsWith('block-device-'))
  if (elements.includes('vm') && !hasBlockDevice) elements.push(defaultBlockDevice(options.arch))
  if (!options.skipBase && !elements.includes('base')) elements.push('base')
  return elements
}

/**
 * The documented default provider of each virtual element, for when nothing in the build
 * provides it: `block-device` gets the layout `vm` would get on this architecture.
 */
export function defaultProviders(arch: string): ReadonlyMap<string, string> {
  return new Map([['block-device', defaultBlockDevice(arch)]])
}

// DIB defaults to EFI only on 64-bit ARM, where there is no BIOS to boot an MBR disk.
function defaultBlockDevice(arch: string): string {
  return arch === 'arm64' || arch === 'aarch64' ? 'block-device-efi' : 'block-device-mbr'
}
