// DISTRO_NAME → family, shared by pkg-map and svc-map so both agree on what "redhat" covers.
// DIB's svc-map knows a shorter list; using one table means a rocky image honours a `redhat:`
// service entry instead of silently falling back to `default:`.

const FAMILIES: ReadonlyMap<string, string> = new Map([
  ['almalinux', 'redhat'],
  ['centos', 'redhat'],
  ['fedora', 'redhat'],
  ['openeuler', 'redhat'],
  ['rhel', 'redhat'],
  ['rocky', 'redhat'],
  ['debian', 'debian'],
  ['ubuntu', 'debian'],
  ['opensuse', 'suse'],
  ['gentoo', 'gentoo'],
])

export function findDistroFamily(distro: string | undefined): string | undefined {
  return distro === undefined ? undefined : FAMILIES.get(distro)
}
