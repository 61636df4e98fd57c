// The bad-input table, part one: the command line, elements and hook scripts. Each row is one
// mistake a user makes and the exact answer imagewright must give (see bad-input.test.ts).
import { dib, usage, type BadInputCase } from '../helpers/bad-input.ts'
import { script } from '../helpers/element-tree.ts'

const SEARCHED = "Searched: '<case>/elements', '<fixtures>', '<builtin>'"
const ALL_TYPES =
  '"qcow2", "raw", "vhd", "vhdx", "vmdk", "vdi", "qed", "qcow", "tar", "tgz", "squashfs", "oci", "docker"'
const OPTIONS_HINT = 'Run with --help to list the options'

export const COMMAND_LINE_CASES: readonly BadInputCase[] = [
  usage('unknown long option', dib('--bogus', 'host-os'), 'Unrecognized option "--bogus"', {
    hint: OPTIONS_HINT,
  }),
  usage('unknown short option', dib('-Z', 'host-os'), 'Unrecognized option "-Z"', {
    hint: OPTIONS_HINT,
  }),
  usage('option missing its value', dib('host-os', '-o'), 'Option "-o" requires a value'),
  {
    name: 'ambiguous option prefix',
    args: dib('--image', '2', 'host-os'),
    exit: 2,
    code: 'ERR_USAGE',
    error:
      'Option "--image" is ambiguous: it could be --image-size, --image-extra-size, --image-cache',
  },
  usage(
    'malformed --image-size',
    dib('--image-size', '1x', 'host-os'),
    'Option "--image-size" needs a positive number: got "1x"',
  ),
  usage(
    'malformed --min-tmpfs',
    dib('--min-tmpfs', 'abc', 'host-os'),
    'Option "--min-tmpfs" needs a positive number: got "abc"',
  ),
  usage(
    'negative --mkfs-journal-size',
    dib('--mkfs-journal-size', '-5', 'host-os'),
    'Option "--mkfs-journal-size" needs a positive number: got "-5"',
  ),
  usage(
    '--image-extra-size with a unit',
    dib('--image-extra-size', '2G', 'host-os'),
    'Option "--image-extra-size" needs a positive number: got "2G"',
  ),
  {
    name: 'malformed DIB_IMAGE_SIZE names the variable',
    args: dib('host-os'),
    env: { DIB_IMAGE_SIZE: 'huge' },
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'DIB_IMAGE_SIZE needs a positive number: got "huge"',
  },
  {
    name: 'DIB_BLOCK_SIZE that no disk has',
    args: dib('host-os'),
    env: { DIB_BLOCK_SIZE: '1000' },
    exit: 3,
    code: 'ERR_CONFIG',
    error: 'Cannot use DIB_BLOCK_SIZE "1000": a sector size is 512, 1024, 2048, 4096 bytes',
    hint: 'Set DIB_BLOCK_SIZE to 512 (most disks) or 4096 (4Kn disks)',
  },
  usage(
    'bad --install-type',
    dib('--install-type', 'binary', 'host-os'),
    'Option "--install-type" must be "source" or "package": got "binary"',
  ),
  {
    name: 'bad DIB_CHECKSUM',
    args: dib('host-os'),
    env: { DIB_CHECKSUM: 'sha1' },
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      'Cannot use DIB_CHECKSUM "sha1": "sha1" is not a checksum type; expected "1", "md5", "sha256" or "md5,sha256"',
  },
  {
    name: 'unknown output type in -t',
    args: ['-n', '-o', '<case>/out/img', '-t', 'tar,qcow3', 'host-os'],
    exit: 2,
    code: 'ERR_USAGE',
    error: `Cannot write image type "qcow3": unknown type; valid types are ${ALL_TYPES}`,
    hint: 'did you mean "qcow" or "qcow2"?',
  },
  {
    name: 'misspelt output type in -t',
    args: ['-n', '-o', '<case>/out/img', '-t', 'tarr', 'host-os'],
    exit: 2,
    code: 'ERR_USAGE',
    error: `Cannot write image type "tarr": unknown type; valid types are ${ALL_TYPES}`,
    hint: 'did you mean "tar"?',
  },
  {
    name: 'no elements',
    args: dib(),
    exit: 2,
    code: 'ERR_USAGE',
    error: 'At least one distribution root element must be specified',
    hint: 'For example: disk-image-create -o debian debian-minimal vm',
  },
  {
    name: 'unknown architecture in -a',
    args: dib('-a', 'nosucharch', 'host-os'),
    exit: 2,
    code: 'ERR_USAGE',
    error:
      'Option "-a" names an unknown architecture "nosucharch"; known architectures are amd64, x86_64, i386, i686, arm64, aarch64, armhf, armel, ppc64el, ppc64le, ppc64, s390x, riscv64',
  },
  {
    name: 'output directory that does not exist',
    args: ['-n', '-t', 'tar', '-o', '<case>/out/no/such/dir/img', 'host-os'],
    exit: 2,
    code: 'ERR_USAGE',
    error:
      'Option "-o" names "<case>/out/no/such/dir/img", but the directory "<case>/out/no/such/dir" does not exist',
    hint: 'Create "<case>/out/no/such/dir" first, or pick an image name in an existing directory',
  },
  {
    name: 'unknown FS_TYPE',
    args: dib('host-os'),
    env: { FS_TYPE: 'ext5' },
    exit: 8,
    code: 'ERR_HOST',
    error: 'Cannot make the root filesystem: FS_TYPE is "ext5" and "mkfs.ext5" is not installed',
    hint: 'Check FS_TYPE (ext4, xfs, btrfs, vfat...), or install the package that provides "mkfs.ext5"',
  },
]

export const ELEMENT_CASES: readonly BadInputCase[] = [
  {
    name: 'unknown element, with a suggestion',
    args: dib('host-os', 'hostos'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Element 'hostos' not found",
    hint: `${SEARCHED}\nDid you mean 'host-os'?`,
  },
  {
    name: 'unknown element in element-deps',
    elements: [{ name: 'app', deps: ['app-runtime'] }],
    args: dib('host-os', 'app'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Element 'app-runtime' not found (listed in element-deps of 'app')",
    hint: `${SEARCHED}\nDid you mean 'app'?`,
  },
  {
    name: 'two providers of operating-system',
    elements: [{ name: 'other-os', provides: ['operating-system'] }],
    args: dib('host-os', 'other-os'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Elements 'host-os' and 'other-os' both provide 'operating-system'",
    hint: 'Use only one operating system element',
  },
  {
    name: 'no operating-system element',
    elements: [{ name: 'app' }],
    args: dib('app'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: 'Please include an operating system element',
    hint: /^Operating system elements on the search path: .*\bhost-os\b/,
  },
  {
    name: 'a requested element that another provides',
    elements: [{ name: 'sshd' }, { name: 'dropbear', provides: ['sshd'] }],
    args: dib('host-os', 'dropbear', 'sshd'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Element 'sshd' was requested but 'dropbear' provides it",
    hint: "Remove 'sshd' from the element list",
  },
  {
    name: 'ELEMENTS_PATH entry that is a file',
    files: { 'elements.txt': 'host-os\n' },
    env: { ELEMENTS_PATH: '<case>/elements.txt:<fixtures>' },
    args: dib('host-os'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "ELEMENTS_PATH entry '<case>/elements.txt' is not a directory",
    hint: 'Create the directory or remove it from ELEMENTS_PATH',
  },
  {
    name: 'ELEMENTS_PATH entry that does not exist',
    env: { ELEMENTS_PATH: '<case>/no-such-dir:<fixtures>' },
    args: dib('host-os'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "ELEMENTS_PATH entry '<case>/no-such-dir' is not a directory",
  },
  {
    name: 'element-deps that is a directory',
    elements: [{ name: 'odd', files: { 'element-deps/README': 'not a list\n' } }],
    args: dib('host-os', 'odd'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Cannot read '<case>/elements/odd/element-deps': EISDIR",
    hint: 'Make it a readable text file with one element name per line',
  },
  {
    name: 'duplicate hook script names in two elements',
    elements: [
      { name: 'one', files: { 'install.d/50-setup': script() } },
      { name: 'two', files: { 'install.d/50-setup': script() } },
    ],
    args: dib('host-os', 'one', 'two'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error: "Elements 'one' and 'two' both contain 'install.d/50-setup'",
    hint:
      'Hooks of all elements are merged into one tree, so names must be unique: rename ' +
      "'<case>/elements/one/install.d/50-setup' or '<case>/elements/two/install.d/50-setup', or do not use both elements",
    early: false,
  },
  {
    name: 'a phase script that is not executable is skipped with a warning',
    elements: [
      {
        name: 'lazy',
        files: { 'install.d/20-forgot-chmod': { content: '#!/bin/bash\nexit 1\n', mode: 0o644 } },
      },
    ],
    args: dib('host-os', 'lazy'),
    exit: 0,
    stdoutLine:
      'WARNING: Not running "install.d/20-forgot-chmod" of element "lazy": it is not executable (chmod +x it to run it)',
    outputs: ['img.tar', 'img.spdx.json', 'img.cdx.json'],
    early: false,
  },
  {
    name: 'environment.d file with a syntax error',
    elements: [
      { name: 'bad-env', files: { 'environment.d/10-broken.bash': 'export GOOD=1\nif then fi\n' } },
    ],
    args: dib('host-os', 'bad-env'),
    exit: 4,
    code: 'ERR_ELEMENTS',
    error:
      'Cannot source "environment.d/10-broken.bash" of element "bad-env": line 2: syntax error near unexpected token `then\'',
    hint: 'Fix the file, then check it with: bash -n <case>/elements/bad-env/environment.d/10-broken.bash',
  },
  {
    // Asks Debian's archive (this host reaches it), before the build takes anything.
    name: 'a Debian release the mirror does not have',
    args: dib('debian-minimal'),
    env: { DIB_RELEASE: 'nosuch' },
    exit: 3,
    code: 'ERR_CONFIG',
    error:
      /^DIB_RELEASE="nosuch" is not a suite of http:\/\/deb\.debian\.org\/debian; it offers (\w+ \(\w[\w-]*\), )*stable \(\w+\), testing \(\w+\), unstable \(sid\)/,
    hint: 'Set DIB_RELEASE to one of them, or to its codename',
  },
]
