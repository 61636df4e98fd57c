// The in-chroot bash side of package-installs, pkg-map and svc-map, run against what the node
// side writes into a target root (no chroot: the scripts take an overridable root), plus the
// outside-chroot element scripts of install-types, package-installs and pkg-map.
import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { locateElements } from '../../src/element-tools/element-dirs.ts'
import { planPackageInstalls } from '../../src/element-tools/package-installs/plan.ts'
import {
  planPathsFor,
  writePackagePlan,
} from '../../src/element-tools/package-installs/write-plan.ts'
import { installPkgMaps } from '../../src/element-tools/pkg-map/install-maps.ts'
import { installServiceMap } from '../../src/element-tools/svc-map/install-services.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { silentReporter } from '../../src/report/events.ts'

const REPO = join(import.meta.dirname, '../..')
const ELEMENTS = join(REPO, 'elements')
const FIXTURES = join(REPO, 'test/fixtures')
const runner = new ProcessRunner({ reporter: silentReporter })

let work: string
let root: string
let stubs: string

function run(argv: [string, ...string[]], env: Record<string, string> = {}) {
  const base = { PATH: `${stubs}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, LANG: 'C' }
  return runner.run({ argv, env: { ...base, ...env } }, { quiet: true, allowFailure: true })
}

async function writeStub(name: string, body: string): Promise<void> {
  await writeFile(join(stubs, name), `#!/bin/bash\n${body}\n`)
  await chmod(join(stubs, name), 0o755)
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'iw-element-tools-'))
  root = join(work, 'mnt')
  stubs = join(work, 'stubs')
  await mkdir(root, { recursive: true })
  await mkdir(stubs)
  // Stubs record their arguments instead of touching a package manager.
  await writeStub('install-packages', `echo "$*" >> "${work}/install-packages.log"`)
  for (const tool of ['package-installs-squash', 'pkg-map-resolve', 'svc-map-merge']) {
    await writeStub(tool, `echo "${tool} $*" >> "${work}/tools.log"`)
  }
  const env = { DISTRO_NAME: 'debian', DIB_RELEASE: 'bookworm' }
  const query = {
    names: ['web', 'cleaner', 'plain'],
    searchPath: [join(FIXTURES, 'package-installs/pkg-map/elements')],
    resolved: new Map<string, string>(),
  }
  const locations = locateElements(query)
  await installPkgMaps(locations, { distro: env.DISTRO_NAME, release: env.DIB_RELEASE }, root)
  const { result } = await planPackageInstalls(locations, env)
  await writePackagePlan(result, planPathsFor(root))
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe('bash pkg-map against a resolved table', () => {
  const pkgMap = join(ELEMENTS, 'pkg-map/bin/pkg-map')
  const env = () => ({
    PKG_MAP_DIR: join(root, 'usr/share/pkg-map'),
    DISTRO_NAME: 'debian',
    DIB_RELEASE: 'bookworm',
  })

  it('keeps the element file and writes the resolved table', async () => {
    const original = await readFile(join(root, 'usr/share/pkg-map/web'), 'utf8')
    expect(original).toBe(
      await readFile(join(FIXTURES, 'package-installs/pkg-map/elements/web/pkg-map'), 'utf8'),
    )
    expect(existsSync(join(root, 'usr/share/pkg-map/.resolved/web'))).toBe(true)
    expect(existsSync(join(root, 'usr/share/pkg-map/cleaner'))).toBe(false)
  })

  it('prints one line per name, values verbatim', async () => {
    const result = await run([pkgMap, '--element', 'web', 'httpd', 'docs', 'tools'], env())
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('apache2\napache2-doc\ncurl wget')
  })

  it('honours --prefix and --missing-ok, in any argument order', async () => {
    const result = await run(
      [pkgMap, 'unknown', '--prefix=-', '--element=web', '--missing-ok', 'httpd'],
      env(),
    )
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toBe('-unknown\n-apache2')
  })

  it('exits 1 for an unmapped name', async () => {
    const result = await run([pkgMap, '--element', 'web', 'httpd', 'unknown'], env())
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toBe('apache2')
    expect(result.stderr).toContain('element "web" has no valid mapping for package unknown')
  })

  it('exits 2 for an element without a map, unless --missing-ok', async () => {
    const missing = await run([pkgMap, '--element', 'plain', 'httpd'], env())
    expect(missing.exitCode).toBe(2)
    const passed = await run(
      [pkgMap, '--element', 'plain', '--missing-ok', '--prefix', '+', 'a', 'b'],
      env(),
    )
    expect(passed).toMatchObject({ exitCode: 0, stdout: '+a\n+b' })
  })

  it('refuses another distro or release than the one resolved', async () => {
    const distro = await run([pkgMap, '--element', 'web', '--distro', 'ubuntu', 'httpd'], env())
    expect(distro.exitCode).toBe(1)
    expect(distro.stderr).toContain('resolved for distro "debian"')
    const release = await run([pkgMap, '--element', 'web', 'httpd'], {
      ...env(),
      DIB_RELEASE: 'trixie',
    })
    expect(release.exitCode).toBe(1)
    expect(release.stderr).toContain('resolved for release "bookworm"')
  })

  it('reads a table given with --pkg-map and prints nothing for an empty mapping', async () => {
    const table = join(FIXTURES, 'pkg-map/tables/compute.centos-8-stream.table')
    const centos = { DISTRO_NAME: 'centos', DIB_RELEASE: '8-stream' }
    const result = await run(
      [pkgMap, '--pkg-map', table, 'docs_pkg', 'compute_pkg', '--debug'],
      centos,
    )
    expect(result).toMatchObject({ exitCode: 0, stdout: 'compute-el8' })
    expect(result.stderr).toContain('map docs_pkg -> <skip>')
    const json = join(FIXTURES, 'pkg-map/maps/compute.json')
    const fromJson = await run([pkgMap, '--pkg-map', json, 'compute_pkg'], centos)
    expect(fromJson.exitCode).toBe(1)
    expect(fromJson.stderr).toContain('it is a JSON pkg-map')
  })

  it('rejects usage errors', async () => {
    expect((await run([pkgMap, 'httpd'], env())).exitCode).toBe(1)
    expect(
      (await run([pkgMap, '--element', 'web', '--pkg-map', 'x', 'httpd'], env())).exitCode,
    ).toBe(1)
    expect((await run([pkgMap, '--element', 'web', '--bogus'], env())).exitCode).toBe(1)
  })
})

describe('bash package-installs-v2 against the squashed lists', () => {
  const v2 = join(ELEMENTS, 'package-installs/bin/package-installs-v2')
  const plan = () => join(root, 'tmp/package-installs.json')

  it('prints the install-packages command with -n', async () => {
    const install = await run([v2, '-n', '--phase', 'install.d', plan()])
    expect(install).toMatchObject({
      exitCode: 0,
      stdout: 'install-packages apache2 apache2-doc curl wget httpd',
    })
    const remove = await run([v2, '--noop', '--phase=install.d', '--uninstall', plan()])
    expect(remove).toMatchObject({ exitCode: 0, stdout: 'install-packages -e telnet' })
  })

  it('says so when a phase has nothing to do', async () => {
    const result = await run([v2, '--phase', 'post-install.d', plan()])
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: 'package-installs-v2: nothing to install in post-install.d',
    })
    const unknown = await run([v2, '--phase', 'finalise.d', '--uninstall', plan()])
    expect(unknown.exitCode).toBe(0)
  })

  it('runs install-packages with the final names', async () => {
    const result = await run([v2, '--phase', 'install.d', '--uninstall', plan()])
    expect(result.exitCode).toBe(0)
    const log = await readFile(join(work, 'install-packages.log'), 'utf8')
    expect(log.trimEnd().split('\n').at(-1)).toBe('-e telnet')
  })

  it('fails clearly when the squash never ran or the phase is bogus', async () => {
    const missing = await run([
      v2,
      '--phase',
      'install.d',
      join(work, 'nowhere/package-installs.json'),
    ])
    expect(missing.exitCode).toBe(1)
    expect(missing.stderr).toContain('package-installs-squash did not run')
    expect((await run([v2, '--phase', '../../etc', plan()])).exitCode).toBe(1)
    expect((await run([v2, plan()])).exitCode).toBe(1)
  })
})

describe('bash svc-map against the merged services file', () => {
  const svcMap = join(ELEMENTS, 'svc-map/bin/svc-map')

  it('prefers an existing unit, then the mapping, then the name', async () => {
    const svcRoot = join(work, 'svc-root')
    const query = {
      names: ['compute', 'images', 'volumes', 'nomap'],
      searchPath: [join(FIXTURES, 'svc-map/merge/elements')],
      resolved: new Map<string, string>(),
    }
    await installServiceMap(locateElements(query), 'ubuntu', svcRoot)
    await mkdir(join(svcRoot, 'lib/systemd/system'), { recursive: true })
    await writeFile(join(svcRoot, 'lib/systemd/system/image-cache.service'), '')
    const result = await run([svcMap, 'volume-api', 'image-cache', 'unknown', 'compute-agent'], {
      SVC_MAP_ROOT: svcRoot,
    })
    expect(result).toMatchObject({
      exitCode: 0,
      stdout: 'volume-api-ubuntu\nimage-cache\nunknown\ncompute-agent',
    })
  })
})

describe('install-types extra-data script', () => {
  const script = join(ELEMENTS, 'install-types/extra-data.d/99-enable-install-types')

  async function hooksTree(name: string): Promise<string> {
    const hooks = join(work, name)
    for (const dir of [
      'foo-source-install',
      'foo-package-install',
      'simple-init-repo-install',
      'simple-init-source-install',
    ]) {
      await mkdir(join(hooks, 'install.d', dir), { recursive: true })
      const hook = join(
        hooks,
        'install.d',
        dir,
        dir.startsWith('foo') ? '50-foo' : '60-simple-init',
      )
      await writeFile(hook, '#!/bin/bash\n')
      await chmod(hook, 0o755)
    }
    return hooks
  }

  it('links the chosen type per prefix, relative so the links work in the chroot', async () => {
    const hooks = await hooksTree('hooks-ok')
    const result = await run([script], {
      TMP_HOOKS_PATH: hooks,
      DIB_INSTALLTYPE_simple_init: 'repo',
    })
    expect(result.exitCode).toBe(0)
    expect(await readlink(join(hooks, 'install.d/50-foo'))).toBe('foo-source-install/50-foo')
    expect(await readlink(join(hooks, 'install.d/60-simple-init'))).toBe(
      'simple-init-repo-install/60-simple-init',
    )
  })

  it('uses DIB_DEFAULT_INSTALLTYPE for prefixes without their own variable', async () => {
    const hooks = await hooksTree('hooks-default')
    const result = await run([script], {
      TMP_HOOKS_PATH: hooks,
      DIB_DEFAULT_INSTALLTYPE: 'package',
    })
    expect(result.exitCode).toBe(0)
    expect(await readlink(join(hooks, 'install.d/50-foo'))).toBe('foo-package-install/50-foo')
    expect(existsSync(join(hooks, 'install.d/60-simple-init'))).toBe(false)
  })

  it('stops on a hook name that is already taken', async () => {
    const hooks = await hooksTree('hooks-clash')
    await writeFile(join(hooks, 'install.d/50-foo'), '#!/bin/bash\n')
    const result = await run([script], { TMP_HOOKS_PATH: hooks })
    expect(result.exitCode).toBe(1)
    expect(result.stderr).toContain('install.d/50-foo already exists')
  })
})

describe('outside-chroot element scripts', () => {
  it('hand the build settings to the node tools', async () => {
    const env = {
      IMAGE_ELEMENT: 'base web',
      ELEMENTS_PATH: '/e1:/e2',
      TMP_MOUNT_PATH: '/build/mnt',
    }
    for (const script of [
      'package-installs/extra-data.d/99-squash-package-install',
      'pkg-map/extra-data.d/10-create-pkg-map-dir',
      'svc-map/extra-data.d/10-merge-svc-map-files',
    ]) {
      expect((await run([join(ELEMENTS, script)], env)).exitCode).toBe(0)
    }
    const log = await readFile(join(work, 'tools.log'), 'utf8')
    expect(log.trimEnd().split('\n')).toEqual([
      'package-installs-squash --elements base web --path /e1:/e2 /build/mnt',
      'pkg-map-resolve --elements base web --path /e1:/e2 /build/mnt',
      'svc-map-merge --elements base web --path /e1:/e2 /build/mnt',
    ])
  })

  it('removes the plan from the image in cleanup.d', async () => {
    const target = join(work, 'cleanup-root')
    await mkdir(join(target, 'tmp/package-installs'), { recursive: true })
    await writeFile(join(target, 'tmp/package-installs.json'), '{}')
    await writeFile(join(target, 'tmp/keep-me'), '')
    const script = join(ELEMENTS, 'package-installs/cleanup.d/90-package-installs-cleanup')
    expect((await run([script], { TARGET_ROOT: target })).exitCode).toBe(0)
    expect(existsSync(join(target, 'tmp/package-installs'))).toBe(false)
    expect(existsSync(join(target, 'tmp/package-installs.json'))).toBe(false)
    expect(existsSync(join(target, 'tmp/keep-me'))).toBe(true)
    expect((await run([script], { TARGET_ROOT: '' })).exitCode).not.toBe(0)
  })
})
