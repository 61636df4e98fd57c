// DIB's own material under imagewright: the element tree of Debian's python3-diskimage-builder
// on ELEMENTS_PATH, and DIB's functional tests for the Debian test elements, run the way DIB's
// tests/run_functests.sh runs them (ELEMENTS_PATH = the test elements, then DIB's tree, which
// DIB appends by itself; `-x -t FORMATS -o DEST/image -n ELEMENT TEST_ELEMENT`; break=after-error
// with its break_cmd; pass = image.tar without tmp/dib-test-should-fail, or a failure that left
// the sentinel). One build of the stable-vm test element also carries DIB elements that source
// DIB's shell libraries (cleanup-kernel-initrd, baremetal), writes qcow2 and boots. DIB's own
// ramdisk element (with ramdisk-base and deploy-tgtadm, over $_LIB/ramdisk-functions) builds a
// busybox ramdisk through ramdisk-image-create, passing as run_ramdisk_element_test passes
// (image.initramfs exists); DIB 3.13 ships no ramdisk test element, so it is built with -n as
// the ramdisk of debian-minimal, after stable-vm.
// DIB's debian/build-succeeds (DIB's debian and base elements) pins `stable`, and DIB 3.13's base
// asks for software-properties-common, which Debian dropped after 12: it runs as DIB 3.13 knew
// the archive, against a local view of the real mirror in which stable (and its -updates,
// -security, -backports suites) is bookworm; its own image cache keeps its root apart, so it
// builds beside the others.
// The debootstrap tarball DIB's debootstrap element caches is made once per machine.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initramfsFiles } from '../helpers/initramfs.ts'
import { startMirrorView, type MirrorView } from '../helpers/mirror-view.ts'
import {
  DIB_BIN,
  IW_BIN,
  TEST_CACHE,
  hostSnapshot,
  runCli,
  type CliResult,
  type HostSnapshot,
  RAMDISK_BIN,
} from '../helpers/cli.ts'

const DIB_ELEMENTS = '/usr/lib/python3/dist-packages/diskimage_builder/elements'
const SENTINEL = 'dib-test-should-fail'

let work: string
let before: HostSnapshot

interface FuncTest {
  readonly element: string
  readonly testElement: string
  readonly formats: string
  readonly extraElements?: readonly string[]
  /** Settings over run_functests.sh's, for the test elements that need them. */
  readonly env?: Readonly<Record<string, string>>
}

interface FuncTestRun extends FuncTest {
  readonly dest: string
  readonly result: CliResult
}

const runs = new Map<string, FuncTestRun>()

function env(dest: string): Record<string, string> {
  return {
    DIB_IMAGE_CACHE: join(TEST_CACHE, 'dib-tree'),
    // DIB's debootstrap element: reuse the cached root, and write it when there is none yet.
    DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: '1',
    DIB_DEBOOTSTRAP_CACHE: '1',
    // DIB 3.13 points stable's security suite at "stable/updates" on the archive's root, which
    // no longer exists: its documented settings name the current layout.
    DIB_DEBIAN_SECURITY_MIRROR: 'http://security.debian.org/debian-security',
    DIB_DEBIAN_SECURITY_SUBPATH: '-security',
    TMPDIR: join(work, 'tmp'),
    // run_functests.sh's own settings.
    break: 'after-error',
    break_outside_target: '1',
    break_cmd: `cp -v $TMP_MOUNT_PATH/tmp/${SENTINEL} ${dest} || true`,
    DIB_SHOW_IMAGE_USAGE: '1',
  }
}

async function runFuncTest(test: FuncTest): Promise<void> {
  const dest = mkdtempSync(join(work, `${test.element}-${test.testElement}-`))
  const result = await runCli(DIB_BIN, {
    args: [
      '-x',
      '-t',
      test.formats,
      '-o',
      join(dest, 'image'),
      '-n',
      test.element,
      test.testElement,
      ...(test.extraElements ?? []),
    ],
    env: {
      ...env(dest),
      ELEMENTS_PATH: `${join(DIB_ELEMENTS, test.element, 'test-elements')}:${DIB_ELEMENTS}`,
      ...test.env,
    },
    cwd: work,
  })
  runs.set(`${test.element}/${test.testElement}`, { ...test, dest, result })
}

/** run_functests.sh's verdict for one disk test element. */
function expectPasses(name: string): FuncTestRun {
  const run = runs.get(name)
  if (run === undefined) throw new Error(`${name} did not run`)
  const { result, dest } = run
  const log = `${result.stdout.slice(-6000)}\n${result.stderr.slice(-3000)}`
  if (result.code !== 0) {
    expect(existsSync(join(dest, SENTINEL)), log).toBe(true)
    return run
  }
  if (run.formats.split(',').includes('qcow2'))
    expect(existsSync(join(dest, 'image.qcow2')), log).toBe(true)
  const tar = join(dest, 'image.tar')
  expect(existsSync(tar), log).toBe(true)
  expect(
    execFileSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  ).not.toContain(`tmp/${SENTINEL}`)
  return run
}

let ramdisk: { readonly dest: string; readonly result: CliResult } | undefined
let bookwormView: MirrorView

/** run_ramdisk_element_test's build: ramdisk-image-create with DIB's tree, its ramdisk element. */
async function runRamdiskTest(): Promise<void> {
  const dest = mkdtempSync(join(work, 'ramdisk-'))
  const result = await runCli(RAMDISK_BIN, {
    args: ['-x', '-n', '-o', join(dest, 'image'), 'debian-minimal'],
    env: { ...env(dest), ELEMENTS_PATH: DIB_ELEMENTS },
    cwd: work,
  })
  ramdisk = { dest, result }
}

const tarText = (tar: string, member: string): string =>
  execFileSync('tar', ['-xOf', tar, member], { encoding: 'utf8' })

beforeAll(async () => {
  work = mkdtempSync('/var/tmp/iw-dib-tree-')
  mkdirSync(join(work, 'tmp'))
  before = hostSnapshot(work)
  bookwormView = await startMirrorView('stable', 'bookworm')
  // One after the other: DIB's dpkg element shares one apt archive directory (in the image
  // cache) between builds, and two apt-gets in it at once fail on its lock, as under DIB.
  const debianMinimal = async (): Promise<void> => {
    // The first build bootstraps into DIB's cache when it is empty; the second reuses it.
    await runFuncTest({
      element: 'debian-minimal',
      testElement: 'stable-build-succeeds',
      formats: 'tar',
    })
    await runFuncTest({
      element: 'debian-minimal',
      testElement: 'stable-vm',
      formats: 'tar,qcow2',
      extraElements: ['cleanup-kernel-initrd', 'baremetal'],
    })
    await runRamdiskTest()
  }
  await Promise.all([
    debianMinimal(),
    runFuncTest({
      element: 'debian',
      testElement: 'build-succeeds',
      formats: 'tar',
      env: {
        DIB_IMAGE_CACHE: join(TEST_CACHE, 'dib-tree-bookworm'),
        DIB_DISTRIBUTION_MIRROR: `${bookwormView.url}/debian`,
        DIB_DEBIAN_SECURITY_MIRROR: `${bookwormView.url}/debian-security`,
        // The view's Release says "Suite: oldstable, Codename: bookworm", and debootstrap takes
        // only a suite that matches one of them: naming bookworm as an extra suite lets the
        // `stable` DIB asks for through (apt in the root only warns of the mismatch).
        DIB_DEBOOTSTRAP_EXTRA_ARGS: '--extra-suites=bookworm',
      },
    }),
  ])
}, 3_000_000)

afterAll(async () => {
  await bookwormView.close()
  rmSync(work, { recursive: true, force: true })
})

describe("DIB's functional tests of the Debian test elements", () => {
  it("debian-minimal/stable-build-succeeds passes, with DIB's image usage report", () => {
    const run = expectPasses('debian-minimal/stable-build-succeeds')
    expect(run.result.code).toBe(0)
    expect(run.result.stdout).toContain('Image size report (files > 10MiB)')
    expect(tarText(join(run.dest, 'image.tar'), './usr/lib/os-release')).toMatch(/^ID=debian$/m)
  })
})

describe("DIB's functional test of the debian element, against the archive DIB 3.13 knew", () => {
  it("debian/build-succeeds passes with stable meaning bookworm: DIB's base and debian elements as shipped", () => {
    const run = expectPasses('debian/build-succeeds')
    expect(run.result.code).toBe(0)
    expect(run.result.stdout).toMatch(/Debian release: stable → bookworm \(12\.\d+\)/)
    expect(run.result.stdout).toContain(`${DIB_ELEMENTS}/base overrides`)
    const tar = join(run.dest, 'image.tar')
    expect(tarText(tar, './usr/lib/os-release')).toMatch(/^VERSION_ID="12"$/m)
    const packages = tarText(tar, './var/lib/dpkg/status')
    for (const name of [
      'software-properties-common',
      'cloud-init',
      'cloud-initramfs-growroot',
      'openssh-server',
    ]) {
      expect(packages).toContain(`Package: ${name}\n`)
    }
    // Every suite came through the view, stable's name and all.
    expect(bookwormView.paths.some((p) => p.startsWith('/debian/dists/stable/'))).toBe(true)
    expect(
      bookwormView.paths.some((p) => p.startsWith('/debian-security/dists/stable-security/')),
    ).toBe(true)
  })
})

describe("DIB's element tree builds a bootable image", () => {
  it('debian-minimal/stable-vm (vm through element-deps) passes with cleanup-kernel-initrd and baremetal, and boots', async () => {
    const run = expectPasses('debian-minimal/stable-vm')
    expect(run.result.code).toBe(0)
    // vm reached only through the test element's element-deps got its default block device.
    expect(run.result.stdout).toMatch(/Elements: .*block-device-mbr/)
    // DIB's elements came from DIB's tree, not the built-in ones.
    expect(run.result.stdout).toContain(`${DIB_ELEMENTS}/vm overrides`)
    // baremetal copied the kernel and initramfs select_boot_kernel_initrd picked out of the tree.
    for (const ext of ['vmlinuz', 'initrd'])
      expect(existsSync(join(run.dest, `image.${ext}`))).toBe(true)
    const files = execFileSync('tar', ['-tf', join(run.dest, 'image.tar')], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }).split('\n')
    expect(files.filter((f) => /^\.\/boot\/vmlinuz-/.test(f))).toHaveLength(1)
    const boot = await runCli(IW_BIN, {
      args: ['boot-test', '--quiet', '--timeout', '300', join(run.dest, 'image.qcow2')],
      cwd: work,
    })
    expect(boot.stdout, boot.stderr).toContain('PASS')
    expect(boot.code).toBe(0)
    expect(hostSnapshot(work)).toEqual(before)
  })
})

describe("DIB's ramdisk element builds a ramdisk through ramdisk-image-create", () => {
  it("ramdisk (with ramdisk-base and deploy-tgtadm) writes image.initramfs with busybox, tgtd and the kernel's modules", () => {
    if (ramdisk === undefined) throw new Error('the ramdisk build did not run')
    const { dest, result } = ramdisk
    const log = `${result.stdout.slice(-6000)}\n${result.stderr.slice(-3000)}`
    expect(result.code, log).toBe(0)
    expect(existsSync(join(dest, 'image.initramfs')), log).toBe(true)
    expect(existsSync(join(dest, 'image.kernel')), log).toBe(true)
    expect(result.stdout).toContain(`${DIB_ELEMENTS}/ramdisk overrides`)
    const files = initramfsFiles(join(dest, 'image.initramfs'))
    for (const file of ['init', 'bin/busybox', 'bin/tgtd', 'bin/dhclient', 'bin/udevadm'])
      expect(files, file).toContain(file)
    expect(
      files.some((f) => /^lib\/modules\/[^/]+\/kernel\/drivers\/net\/virtio_net\.ko/.test(f)),
    ).toBe(true)
    expect(hostSnapshot(work)).toEqual(before)
  })
})
