// Installation as a user meets it (run `npm run build` first): scripts/link-commands.sh puts the
// commands on PATH, idempotently and reversibly; `npm pack` gives a package that installs
// globally into a fresh prefix and finds its elements, lib/ and libexec/ helpers relative to
// itself, whatever the working directory.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO } from '../helpers/cli.ts'

const LINK = join(REPO, 'scripts', 'link-commands.sh')
const NAMES = ['imagewright', 'disk-image-create', 'ramdisk-image-create'] as const
const BASE_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iw-install-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const result = spawnSync(file, args, {
    cwd: options.cwd ?? dir,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 180_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('scripts/link-commands.sh', () => {
  it('links the three commands into IMAGEWRIGHT_BIN_DIR, changes nothing on a second run, and removes only its own links', async () => {
    const bin = join(dir, 'bin')
    const env = { IMAGEWRIGHT_BIN_DIR: bin, PATH: `${bin}:${BASE_PATH}` }
    const first = run('bash', [LINK], { env })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    for (const name of NAMES) {
      expect(readlinkSync(join(bin, name))).toBe(join(REPO, 'dist', 'cli', `${name}.js`))
      expect(first.stdout).toContain(`Linked ${join(bin, name)} -> `)
    }
    const second = run('bash', [LINK], { env })
    expect(second).toEqual({ code: 0, stdout: '', stderr: '' })

    // By name, from another directory, as the README's examples are typed.
    const elsewhere = await mkdtemp(join(tmpdir(), 'iw-install-cwd-'))
    try {
      const version = run('imagewright', ['--version'], { cwd: elsewhere, env })
      expect(version.code).toBe(0)
      expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
      const help = run('disk-image-create', ['--help'], { cwd: elsewhere, env })
      expect(help.code).toBe(0)
      expect(help.stdout).toContain('Usage: disk-image-create')
    } finally {
      await rm(elsewhere, { recursive: true, force: true })
    }

    const removed = run('bash', [LINK, '--remove'], { env })
    expect(removed.code).toBe(0)
    for (const name of NAMES) expect(existsSync(join(bin, name))).toBe(false)
    expect(run('bash', [LINK, '--remove'], { env })).toEqual({ code: 0, stdout: '', stderr: '' })
  })

  it('leaves a real disk-image-create (DIB from pip) alone, and IMAGEWRIGHT_LINK=imagewright links imagewright only', async () => {
    const bin = join(dir, 'bin-pip')
    await mkdir(bin)
    const foreign = join(bin, 'disk-image-create')
    writeFileSync(foreign, '#!/bin/sh\necho dib\n')
    chmodSync(foreign, 0o755)
    const env = { IMAGEWRIGHT_BIN_DIR: bin, PATH: `${bin}:${BASE_PATH}` }
    const linked = run('bash', [LINK], { env })
    expect(linked.code).toBe(0)
    expect(linked.stderr).toContain(`left ${foreign} alone: it is not an imagewright link`)
    expect(lstatSync(foreign).isSymbolicLink()).toBe(false)
    expect(run('bash', [LINK, '--remove'], { env }).code).toBe(0)
    expect(existsSync(foreign)).toBe(true)

    const only = join(dir, 'bin-only')
    const onlyImagewright = run('bash', [LINK], {
      env: { IMAGEWRIGHT_BIN_DIR: only, IMAGEWRIGHT_LINK: 'imagewright', PATH: BASE_PATH },
    })
    expect(onlyImagewright.code).toBe(0)
    expect(onlyImagewright.stdout).toContain(`Note: ${only} is not on PATH`)
    expect(existsSync(join(only, 'imagewright'))).toBe(true)
    expect(existsSync(join(only, 'disk-image-create'))).toBe(false)
  })
})

describe('npm pack', () => {
  it('gives a package that installs with npm install -g and works from any directory', async () => {
    const packDir = join(dir, 'pack')
    await mkdir(packDir)
    // The tier runs with dist/ built; --ignore-scripts keeps prepack from rebuilding dist/
    // under the feet of tests running beside this one.
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
        cwd: REPO,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as { filename: string }[]
    const tarball = join(packDir, packed[0]?.filename ?? 'missing')
    const prefix = join(dir, 'prefix')
    const install = run('npm', [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      tarball,
    ])
    expect(install.stderr).not.toMatch(/npm error|npm ERR!/)
    expect(install.code).toBe(0)

    const bin = join(prefix, 'bin')
    const home = join(prefix, 'lib', 'node_modules', 'imagewright')
    const elsewhere = join(dir, 'elsewhere')
    await mkdir(elsewhere)
    const at = { cwd: elsewhere, env: { PATH: `${bin}:${BASE_PATH}` } }

    const version = run('imagewright', ['--version'], at)
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    const help = run('disk-image-create', ['--help'], at)
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Examples:')

    const plan = run('imagewright', ['plan', '--json', 'debian-minimal', 'vm'], at)
    expect(plan.stderr).toBe('')
    expect(plan.code).toBe(0)
    const parsed = JSON.parse(plan.stdout) as {
      elements: { name: string; path: string }[]
      environment: Record<string, string>
    }
    expect(parsed.elements.find((e) => e.name === 'vm')?.path).toBe(join(home, 'elements', 'vm'))
    // What hook scripts are given must exist in the installed package, not only in a checkout.
    const lib = parsed.environment['_LIB'] ?? ''
    expect(lib.startsWith(home)).toBe(true)
    expect(existsSync(join(lib, 'die'))).toBe(true)

    const hook = join(elsewhere, 'hook')
    writeFileSync(hook, '#!/bin/bash\necho "hook ran in $PWD"\n')
    chmodSync(hook, 0o755)
    const ran = run(join(home, 'libexec', 'imagewright-run-hook'), ['--', hook], at)
    expect(ran.stdout).toBe(`hook ran in ${elsewhere}\n`)
    // A libexec wrapper reaches its compiled tool: it runs and complains about its arguments,
    // instead of Node failing to find the module.
    const tool = run(join(home, 'libexec', 'pkg-map-resolve'), [], at)
    expect(tool.stderr).not.toContain('Cannot find module')
    expect(tool.stderr).not.toBe('')
  })
})
