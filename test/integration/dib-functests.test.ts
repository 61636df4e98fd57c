// The built-in elements' test-elements, run the way DIB's tests/run_functests.sh runs its own:
// every elements/<element>/test-elements/<test> is a build of "<element> <test>" with the test
// directory on ELEMENTS_PATH. element-type "ramdisk" means ramdisk-image-create, which passes
// when image.initramfs exists (run_ramdisk_element_test); otherwise disk-image-create -n with
// the test-output-formats (default tar), which passes when image.<format> exists and the image
// has no /tmp/dib-test-should-fail (run_disk_element_test). These tests run offline: they are
// built on the host-os test OS (from test/fixtures/elements, also on ELEMENTS_PATH).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DIB_BIN,
  HOST_OS_ELEMENTS,
  REPO,
  hostSnapshot,
  runCli,
  RAMDISK_BIN,
} from '../helpers/cli.ts'

const ELEMENTS = join(REPO, 'elements')

interface FuncTest {
  readonly element: string
  readonly test: string
  readonly type: 'ramdisk' | 'disk'
  readonly formats: readonly string[]
}

function readOptional(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined
}

function findFuncTests(): FuncTest[] {
  const found: FuncTest[] = []
  for (const element of readdirSync(ELEMENTS).sort()) {
    const dir = join(ELEMENTS, element, 'test-elements')
    if (!existsSync(dir)) continue
    for (const test of readdirSync(dir).sort()) {
      const type = readOptional(join(dir, test, 'element-type')) === 'ramdisk' ? 'ramdisk' : 'disk'
      const formats = (readOptional(join(dir, test, 'test-output-formats')) ?? 'tar').split(/\s+/)
      found.push({ element, test, type, formats })
    }
  }
  return found
}

const TESTS = findFuncTests()
/** Beyond DIB's check: what each element must have written beside the image. */
const ALSO_WRITTEN: Readonly<Record<string, readonly string[]>> = {
  'ramdisk/build-succeeds': ['image.kernel'],
  'iso/ramdisk-iso': ['image.kernel', 'image.iso'],
  'baremetal/build-succeeds': ['image.vmlinuz', 'image.initrd'],
}
const work = mkdtempSync('/var/tmp/iw-functests-')
const before = hostSnapshot(work)

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

describe('DIB-style functional tests of the built-in elements', () => {
  it('finds the ramdisk, iso, baremetal and cleanup-kernel-initrd tests', () => {
    expect(TESTS.map((t) => `${t.element}/${t.test}`)).toEqual(
      expect.arrayContaining([
        'ramdisk/build-succeeds',
        'iso/ramdisk-iso',
        'baremetal/build-succeeds',
        'cleanup-kernel-initrd/keeps-newest',
      ]),
    )
  })

  it.for(TESTS.map((t) => [`${t.element}/${t.test} (${t.type})`, t] as const))(
    '%s',
    { timeout: 320_000 },
    async ([, t]) => {
      const dest = mkdtempSync(join(work, `${t.element}-${t.test}-`))
      const env = {
        ELEMENTS_PATH: `${join(ELEMENTS, t.element, 'test-elements')}:${HOST_OS_ELEMENTS}`,
        TMPDIR: dest,
      }
      const image = join(dest, 'image')
      const result =
        t.type === 'ramdisk'
          ? await runCli(RAMDISK_BIN, {
              args: ['-x', '-o', image, t.element, t.test],
              env,
              timeoutMs: 300_000,
            })
          : await runCli(DIB_BIN, {
              args: ['-x', '-t', t.formats.join(','), '-o', image, '-n', t.element, t.test],
              env,
              timeoutMs: 300_000,
            })
      const context = `${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`
      expect(result.code, context).toBe(0)
      if (t.type === 'ramdisk') {
        expect(existsSync(`${image}.initramfs`), context).toBe(true)
      } else {
        for (const format of t.formats) expect(existsSync(`${image}.${format}`), context).toBe(true)
        if (t.formats.includes('tar')) {
          const listing = execFileSync('tar', ['-tf', `${image}.tar`], {
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          })
          expect(listing).not.toMatch(/^\.\/tmp\/dib-test-should-fail$/m)
        }
      }
      for (const name of ALSO_WRITTEN[`${t.element}/${t.test}`] ?? [])
        expect(existsSync(join(dest, name)), `${name}\n${context}`).toBe(true)
      rmSync(dest, { recursive: true, force: true })
    },
  )

  it('leaves no loop device, mount or chroot process behind', () => {
    expect(hostSnapshot(work)).toEqual(before)
  })
})
