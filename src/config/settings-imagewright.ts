// The settings imagewright adds to DIB's: its own disk-image-create options and IMAGEWRIGHT_*
// variables, and the few variables of its elements the README documents. `doc` is the README's
// text; settings.ts joins these rows with DIB's.
import { parseSize } from '../util/size.ts'
import { isSet, settingError, switched, text, textOr, valued, type SettingRow } from './setting.ts'

export const DEFAULT_STATE_DIR = '/run/imagewright/builds'
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3
export const DEFAULT_RAMDISK_MEMORY_MIB = 2048
/** Intermediate tree steps quicker than this are not worth an archive (see cache/cache-policy.ts). */
export const DEFAULT_MIN_STEP_SECONDS = 8
/** .deb files of the apt cache no build installed for this long are pruned (cache/deb-cache.ts). */
export const DEFAULT_APT_CACHE_DAYS = 30

export const IMAGEWRIGHT_SETTINGS = {
  bootTest: switched({
    flag: { long: 'boot-test', takesValue: false },
    type: 'switch',
    default: 'off',
    origin: 'imagewright',
    help: 'Boot the result under QEMU and wait for a login prompt (imagewright)',
    doc: 'boot the finished image in QEMU; fail the build if no login prompt appears',
  }),
  jsonLog: text({
    flag: { long: 'json-log', takesValue: true, arg: 'FILE' },
    env: ['IMAGEWRIGHT_JSON_LOG'],
    type: 'path',
    default: '',
    origin: 'imagewright',
    help: 'Also write every build event as JSON lines to FILE (imagewright)',
    doc: 'write every build event as a JSON line',
  }),
  noCache: {
    flag: { long: 'no-cache', takesValue: false },
    env: ['IMAGEWRIGHT_NO_CACHE'],
    docValue: '1',
    type: 'switch',
    default: 'off',
    origin: 'imagewright',
    help: 'Neither reuse nor store cached build steps (imagewright; also IMAGEWRIGHT_NO_CACHE=1)',
    doc: 'neither reuse nor store build steps; otherwise an unchanged build reuses its image and an edit re-runs from the edited phase ([docs/cache.md](docs/cache.md); `imagewright cache ls`, `imagewright cache prune`)',
    read: (given) =>
      given.flags.length > 0 ||
      (isSet(given.env['IMAGEWRIGHT_NO_CACHE']) && given.env['IMAGEWRIGHT_NO_CACHE'] !== '0'),
  } satisfies SettingRow<boolean>,
  htmlReport: text({
    flag: { long: 'html-report', takesValue: true, arg: 'FILE' },
    env: ['IMAGEWRIGHT_HTML_REPORT'],
    type: 'path',
    default: '',
    origin: 'imagewright',
    help: 'Write an HTML report with a timeline of the build to FILE, also on failure (imagewright)',
    doc: 'write a self-contained HTML report with a timeline of the build, also when it fails',
  }),
  uuidSeed: text({
    env: ['IMAGEWRIGHT_UUID_SEED'],
    type: 'text',
    default: '',
    origin: 'imagewright',
    help: 'Derive disk ids and filesystem UUIDs from this seed',
    doc: 'derive disk ids and filesystem UUIDs from a seed (reproducible images)',
  }),
  cacheMaxBytes: valued({
    env: ['IMAGEWRIGHT_CACHE_MAX_SIZE'],
    type: 'size',
    default: '10GiB',
    origin: 'imagewright',
    help: 'Size limit of the step cache',
    doc: 'size limit of the step cache in `DIB_IMAGE_CACHE` (default 10GiB), least recently used entries pruned first',
    parse: (value) => parseSize(value),
    fallback: () => DEFAULT_CACHE_MAX_BYTES,
  }),
  cacheMinStepSeconds: valued({
    env: ['IMAGEWRIGHT_CACHE_MIN_STEP_SECONDS'],
    type: 'seconds',
    default: '8',
    origin: 'imagewright',
    help: 'Store a tree step only when the phases since the last stored one took this long',
    doc: 'a tree step after root.d is stored only when the phases since the last step stored or restored took at least this long (default 8; root.d is always stored, and the finished tree when it is a link to the step before)',
    parse: (value, source) => {
      if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value)
      throw settingError(source, `needs a number of seconds: got "${value}"`)
    },
    fallback: () => DEFAULT_MIN_STEP_SECONDS,
  }),
  aptCacheDays: valued({
    env: ['IMAGEWRIGHT_APT_CACHE_DAYS'],
    type: 'days',
    default: '30',
    origin: 'imagewright',
    help: 'Prune .deb files of the apt cache that no build installed for this many days',
    doc: '.deb files in `DIB_IMAGE_CACHE/apt` that no build installed for this many days are pruned (default 30)',
    parse: (value, source) => {
      if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value)
      throw settingError(source, `needs a number of days: got "${value}"`)
    },
    fallback: () => DEFAULT_APT_CACHE_DAYS,
  }),
  qcow2Compression: valued({
    env: ['IMAGEWRIGHT_QCOW2_COMPRESSION'],
    type: 'zstd or zlib',
    default: '',
    origin: 'imagewright',
    help: 'Compression type of a compressed qcow2',
    doc: "`zstd` (or `zlib`, qemu-img's default) for a compressed qcow2; zstd images need QEMU 5.1 or newer to read",
    parse: (value, source): 'zstd' | 'zlib' => {
      if (value === 'zstd' || value === 'zlib') return value
      throw settingError(source, `must be one of: zstd, zlib; got "${value}"`)
    },
    fallback: () => undefined,
  }),
  sourceDateEpoch: valued({
    env: ['SOURCE_DATE_EPOCH'],
    type: 'seconds',
    default: 'now',
    origin: 'imagewright',
    help: 'Clamp file times in tree outputs and date the SBOMs',
    doc: 'clamp file times in every output; with `IMAGEWRIGHT_UUID_SEED`, equal inputs give byte-identical tar, raw and qcow2 (ext and FAT filesystems are rebuilt from their finished trees; xfs, btrfs and extlinux keep build-time data: [docs/reproducible.md](docs/reproducible.md))',
    parse: (value, source) => {
      if (/^\d+$/.test(value.trim())) return Number(value)
      throw settingError(source, `needs whole seconds since 1970: got "${value}"`)
    },
    fallback: () => undefined,
  }),
  hygiene: {
    env: ['IMAGEWRIGHT_HYGIENE'],
    docValue: '0',
    type: '0 or 1',
    default: '1',
    origin: 'imagewright',
    help: 'Fail the build when the image would leak build data (0: warn only)',
    doc: 'warn instead of failing when the image would leak build data',
    read: (given) => given.env['IMAGEWRIGHT_HYGIENE'] !== '0',
  } satisfies SettingRow<boolean>,
  ramdiskMemoryMiB: {
    env: ['IMAGEWRIGHT_RAMDISK_MEMORY'],
    type: 'MiB',
    default: '2048',
    origin: 'imagewright',
    help: 'Memory of the machines a ramdisk is for',
    doc: 'memory (MiB, default 2048) of the machines a ramdisk is for: `rootfs-ramdisk` warns when its ramdisk needs more, `--boot-test` gives the guest this much',
    // Lenient as before: anything but a whole positive number means the default.
    read: (given) => {
      const value = Number(given.env['IMAGEWRIGHT_RAMDISK_MEMORY'])
      return Number.isInteger(value) && value > 0 ? value : DEFAULT_RAMDISK_MEMORY_MIB
    },
  } satisfies SettingRow<number>,
  stateDir: textOr(
    {
      env: ['IMAGEWRIGHT_STATE_DIR'],
      type: 'path',
      default: DEFAULT_STATE_DIR,
      origin: 'imagewright',
      help: 'Where build journals live',
      doc: 'where build journals live (default `/run/imagewright/builds`)',
    },
    () => DEFAULT_STATE_DIR,
  ),
  ownMountNamespace: {
    env: ['IMAGEWRIGHT_OWN_MOUNT_NAMESPACE'],
    docValue: '0',
    type: '0 or 1',
    default: '1',
    origin: 'imagewright',
    help: "Set 0 to build as root in the host's mount namespace instead of one of its own",
    doc: "as root, build (and customize) in the host's mount namespace instead of one of their own (see the security notes)",
    read: (given) => given.env['IMAGEWRIGHT_OWN_MOUNT_NAMESPACE'] !== '0',
  } satisfies SettingRow<boolean>,
  populateRoot: {
    env: ['IMAGEWRIGHT_MKFS_POPULATE'],
    docValue: '0',
    type: '0 or 1',
    default: '1',
    origin: 'imagewright',
    help: 'Set 0 to copy the tree into the mounted root filesystem (cp -a) instead of filling it as mke2fs makes it (-d)',
    doc: 'set 0 to copy the finished tree into the mounted root filesystem with `cp -a` instead of filling an ext2/3/4 root as `mke2fs -d` makes it (docs/cache.md, "Cold path")',
    read: (given) => given.env['IMAGEWRIGHT_MKFS_POPULATE'] !== '0',
  } satisfies SettingRow<boolean>,
  farmDb: text({
    env: ['IMAGEWRIGHT_DB'],
    type: 'URL',
    default: '',
    origin: 'imagewright',
    help: 'PostgreSQL URL of the farm (`--db` of the farm commands)',
    doc: 'the PostgreSQL URL of the farm, for `--db` of `imagewright submit`, `worker` and the views ([docs/farm.md](docs/farm.md))',
  }),
  farmKeyFile: text({
    env: ['IMAGEWRIGHT_FARM_KEY_FILE'],
    type: 'path',
    default: '',
    origin: 'imagewright',
    help: 'Farm key file that seals DIB_* secrets (`--key` of the farm commands)',
    doc: 'the farm key file that seals `DIB_*` secrets in farm jobs, for `--key`',
  }),
  // Read by imagewright's elements, not by the core.
  aptAllowExpired: text({
    env: ['DIB_APT_ALLOW_EXPIRED'],
    docValue: '1',
    type: '0 or 1',
    default: '0',
    origin: 'imagewright',
    elementsOnly: true,
    help: 'Build from a Debian mirror whose Release file is past its Valid-Until',
    doc: 'build a Debian testing/unstable image from a mirror whose Release file is past its `Valid-Until` (refused otherwise, before the build)',
  }),
  baselineTools: text({
    env: ['DIB_BASE_BASELINE_TOOLS'],
    docValue: '1',
    type: '0 or 1',
    default: '0',
    origin: 'imagewright',
    elementsOnly: true,
    help: "Install the tools DIB's base element puts in every Debian/Ubuntu image",
    doc: "install the tools DIB's `base` puts in every Debian/Ubuntu image (`software-properties-common`, `open-iscsi`); off by default",
  }),
  altInitPackage: text({
    env: ['DIB_DEBIAN_ALT_INIT_PACKAGE'],
    type: 'package',
    default: 'systemd',
    origin: 'imagewright',
    elementsOnly: true,
    help: 'sysvinit-core or openrc instead of systemd in debian-minimal images',
    doc: '`sysvinit-core` or `openrc` instead of systemd in `debian-minimal` images',
  }),
} as const
