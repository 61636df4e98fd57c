// "Never harm the host": every kind of bad input gets one exact, actionable error (message,
// code, exit status) and leaves nothing behind: no loop device, mount, chroot process, journal,
// build directory or output file. Mistakes the inputs alone reveal must be reported before the
// build takes anything, so for those not even the build's TMPDIR may appear.
//
// Each case runs in a directory of its own, which is also its TMPDIR: everything a build makes
// lives below it. The host snapshot is therefore taken per case and limited to that directory,
// which lets the cases run concurrently, and keeps the check exact while other builds run on
// the same machine (a whole-host comparison would blame this suite for their mounts).
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest'
import {
  DIB_BIN,
  HOST_OS_ELEMENTS,
  IW_BIN,
  REPO,
  runCli,
  type CliResult,
  RAMDISK_BIN,
} from '../helpers/cli.ts'
import { writeElementTree, writeFiles } from '../helpers/element-tree.ts'
import type { BadInputCase } from '../helpers/bad-input.ts'
import { COMMAND_LINE_CASES, ELEMENT_CASES } from './bad-input-cases.ts'
import { BLOCK_DEVICE_CASES, IMAGEWRIGHT_CASES } from './bad-input-disk-cases.ts'
import { RAMDISK_CASES } from './bad-input-ramdisk-cases.ts'

const STATE_DIR = process.env['IMAGEWRIGHT_STATE_DIR'] ?? '/run/imagewright/builds'
const BUILTIN_ELEMENTS = join(REPO, 'elements')

// Settings a developer's shell may carry that would change what the cases test.
const NEUTRAL_ENV: Record<string, string> = {
  DIB_BLOCK_DEVICE_CONFIG: '',
  FS_TYPE: '',
  ROOT_LABEL: '',
  DIB_CHECKSUM: '',
  DIB_IMAGE_SIZE: '',
  DIB_IMAGE_EXTRA_SIZE: '',
  DIB_JOURNAL_SIZE: '',
  DIB_MIN_TMPFS: '',
  DIB_DEFAULT_INSTALLTYPE: '',
  IMAGE_TYPE: '',
  DIB_QUIET: '',
  DIB_DEBUG_TRACE: '0',
  RUN_PARTS_REGEX: '',
  TMP_DIR: '',
}

let suiteDir: string

beforeAll(() => {
  suiteDir = mkdtempSync(join(tmpdir(), 'iw-bad-input-'))
})

afterAll(() => {
  rmSync(suiteDir, { recursive: true, force: true })
})

interface CaseDirs {
  readonly root: string
  readonly tmp: string
  readonly out: string
}

let caseCount = 0

async function prepareCase(testCase: BadInputCase): Promise<CaseDirs> {
  const root = join(suiteDir, String(++caseCount))
  const dirs = { root, tmp: join(root, 'tmp'), out: join(root, 'out') }
  mkdirSync(dirs.out, { recursive: true })
  await writeElementTree(join(root, 'elements'), testCase.elements ?? [])
  await writeFiles(root, testCase.files ?? {})
  // A boot test makes its private directory in TMPDIR, which must therefore exist; a build
  // creates its TMPDIR itself, so its absence proves an early failure took nothing.
  if (testCase.bin === 'imagewright') mkdirSync(dirs.tmp)
  return dirs
}

function expand(text: string, dirs: CaseDirs): string {
  return text
    .replaceAll('<case>', dirs.root)
    .replaceAll('<fixtures>', HOST_OS_ELEMENTS)
    .replaceAll('<builtin>', BUILTIN_ELEMENTS)
}

/**
 * What hostSnapshot() watches (loop devices, mounts, processes rooted in a build), limited to
 * one case's directory, plus the build journals and build directories of that case.
 */
function leftoversOf(dirs: CaseDirs): Record<string, readonly string[]> {
  const sh = (argv: [string, ...string[]]): string =>
    execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' })
  // With the slash, case 1 does not claim what case 12 left.
  const inside = `${dirs.root}/`
  const below = (text: string): string[] => text.split('\n').filter((line) => line.includes(inside))
  return {
    loopDevices: below(sh(['losetup', '-a'])),
    mounts: below(sh(['findmnt', '-rn', '-o', 'TARGET'])),
    processes: processesUnder(inside),
    journals: journalsMentioning(inside),
    buildDirs: existsSync(dirs.tmp) ? readdirSync(dirs.tmp) : [],
  }
}

function processesUnder(dir: string): string[] {
  const found: string[] = []
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    for (const link of ['root', 'cwd']) {
      try {
        if (readlinkSync(`/proc/${pid}/${link}`).startsWith(dir)) found.push(`${pid} (${link})`)
      } catch {
        // Gone already, or not ours to read.
      }
    }
  }
  return found
}

function journalsMentioning(dir: string): string[] {
  if (!existsSync(STATE_DIR)) return []
  return readdirSync(STATE_DIR).filter((name) => {
    try {
      return readFileSync(join(STATE_DIR, name), 'utf8').includes(dir)
    } catch {
      return false
    }
  })
}

const NOTHING_LEFT = { loopDevices: [], mounts: [], processes: [], journals: [], buildDirs: [] }

function expectReport(
  expect: ExpectStatic,
  result: CliResult,
  testCase: BadInputCase,
  dirs: CaseDirs,
): void {
  const context = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`
  const expectText = (actual: string | undefined, expected: string | RegExp): void => {
    if (typeof expected === 'string') expect(actual, context).toBe(expand(expected, dirs))
    else expect(actual, context).toMatch(expected)
  }
  expect(result.code, context).toBe(testCase.exit)
  if (testCase.exit === 0) {
    expect(result.stderr, context).toBe('')
  } else {
    const lines = result.stderr.split('\n')
    const first = lines[0] ?? ''
    expect(first.startsWith('Error: '), context).toBe(true)
    expectText(first.slice('Error: '.length), testCase.error ?? '')
    expect(
      lines.find((line) => line.startsWith('Code: ')),
      context,
    ).toBe(`Code: ${testCase.code ?? ''}`)
    const hintAt = result.stderr.indexOf('Try this: ')
    const hint =
      hintAt < 0 ? undefined : result.stderr.slice(hintAt + 'Try this: '.length).trimEnd()
    if (testCase.hint !== undefined) expectText(hint, testCase.hint)
  }
  if (testCase.stdoutLine !== undefined) {
    expect(result.stdout.split('\n'), context).toContain(expand(testCase.stdoutLine, dirs))
  }
}

const TABLES = {
  'command line': COMMAND_LINE_CASES,
  elements: ELEMENT_CASES,
  'block devices and filesystems': BLOCK_DEVICE_CASES,
  'imagewright commands': IMAGEWRIGHT_CASES,
  'ramdisks and ISOs': RAMDISK_CASES,
} as const

describe.concurrent.each(Object.entries(TABLES))('bad input: %s', (_table, cases) => {
  it.for(cases.map((c) => [c.name, c] as const))('%s', async ([, testCase], { expect, skip }) => {
    if (testCase.skip !== undefined) skip(testCase.skip)
    const dirs = await prepareCase(testCase)
    const resolvConf = readFileSync('/etc/resolv.conf', 'utf8')
    const env: Record<string, string> = {
      ...NEUTRAL_ENV,
      ELEMENTS_PATH: `${dirs.root}/elements:${HOST_OS_ELEMENTS}`,
      TMPDIR: dirs.tmp,
    }
    for (const [key, value] of Object.entries(testCase.env ?? {})) env[key] = expand(value, dirs)
    const bin =
      testCase.bin === 'imagewright' ? IW_BIN : testCase.bin === 'ramdisk' ? RAMDISK_BIN : DIB_BIN
    const result = await runCli(bin, {
      args: testCase.args.map((arg) => expand(arg, dirs)),
      env,
      timeoutMs: 90_000,
    })

    expectReport(expect, result, testCase, dirs)
    expect(leftoversOf(dirs)).toEqual(NOTHING_LEFT)
    expect(readFileSync('/etc/resolv.conf', 'utf8')).toBe(resolvConf)
    expect(readdirSync(dirs.out).sort()).toEqual([...(testCase.outputs ?? [])].sort())
    if (testCase.bin !== 'imagewright' && (testCase.early ?? true)) {
      expect(existsSync(dirs.tmp), 'the build created its TMPDIR').toBe(false)
    }
  })
})

it('covers at least 30 kinds of bad input', () => {
  expect(Object.values(TABLES).flat().length).toBeGreaterThanOrEqual(30)
})
