// The cloud-image elements that need no particular distribution: the test-only host-os element
// with source-repositories, cache-url and manifests, and the tree they produce. The Debian cloud
// image (block-device-gpt, cloud-init-nocloud, devuser, growroot, booted on a larger disk) is
// the second image of test/system/debian-vm.test.ts.
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIB_BIN, HOST_OS_ELEMENTS, IW_BIN, hostSnapshot, runCli } from '../helpers/cli.ts'

let work: string
let resolvConf: string

beforeAll(() => {
  work = mkdtempSync('/var/tmp/iw-cloud-elements-')
  // Builds keep their workspaces here, so what they leave behind is told apart from what other
  // builds on the same machine are doing.
  mkdirSync(join(work, 'tmp'))
  resolvConf = readFileSync('/etc/resolv.conf', 'utf8')
})

afterAll(() => {
  rmSync(work, { recursive: true, force: true })
})

/** Loop devices and mounts of this file's builds that are still there, and resolv.conf. */
function expectHostClean(): void {
  const snapshot = hostSnapshot()
  const leftovers = `${snapshot.loops}\n${snapshot.mounts}`
    .split('\n')
    .filter((line) => line.includes(work))
  expect(leftovers).toEqual([])
  expect(snapshot.resolvConf).toBe(resolvConf)
}

const sh = (cmd: string, args: string[], cwd?: string): string =>
  execFileSync(cmd, args, { encoding: 'utf8', ...(cwd === undefined ? {} : { cwd }) })

const tarText = (tar: string, member: string): string => sh('tar', ['-xOf', tar, member])

function writeFile(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
  if (content.startsWith('#!')) chmodSync(path, 0o755)
}

/** A web server for cache-url: one file with a fixed date (answers 304 when asked), else 404. */
interface FileServer {
  readonly url: string
  readonly requests: { path: string; ifModifiedSince: string | undefined; status: number }[]
  close(): Promise<void>
}

async function startFileServer(body: string): Promise<FileServer> {
  const lastModified = new Date('2024-01-02T03:04:05Z')
  const requests: FileServer['requests'] = []
  const server: Server = createServer((req, res) => {
    const since = req.headers['if-modified-since']
    let status = 404
    if (req.url === '/motd.txt') {
      status = since !== undefined && new Date(since) >= lastModified ? 304 : 200
    }
    requests.push({ path: req.url ?? '', ifModifiedSince: since, status })
    res.writeHead(status, status === 200 ? { 'Last-Modified': lastModified.toUTCString() } : {})
    res.end(status === 200 ? body : status === 404 ? 'not here' : undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  }
}

describe('source-repositories, cache-url and manifests (host-os)', () => {
  let server: FileServer
  let sources: string
  let elements: string
  let env: Record<string, string>

  beforeAll(async () => {
    server = await startFileServer('message of the day\n')
    sources = join(work, 'sources')
    elements = join(work, 'elements')
    writeFile(join(sources, 'pkg-1.0', 'README'), 'top readme\n')
    writeFile(join(sources, 'pkg-1.0', 'sub', 'file'), 'deep file\n')
    writeFile(join(sources, 'extra.conf'), 'from a file URL\n')
    sh('tar', ['-C', sources, '-czf', join(sources, 'pkg.tar.gz'), 'pkg-1.0'])
    const repo = join(sources, 'repo')
    mkdirSync(repo)
    const git = (...args: string[]): string =>
      sh('git', ['-C', repo, '-c', 'user.name=test', '-c', 'user.email=test@example.org', ...args])
    git('init', '-q', '-b', 'main')
    writeFile(join(repo, 'version'), 'one\n')
    git('add', 'version')
    git('commit', '-q', '-m', 'one')
    git('tag', 'v1')
    writeFile(join(repo, 'version'), 'two\n')
    git('commit', '-q', '-am', 'two')

    // $SRC and $WEB are expanded when the lines are read, as in DIB.
    writeFile(
      join(elements, 'srctest', 'source-repository-srctest'),
      [
        '# tarballs, files and git, all local',
        'pkg-all tar /opt/pkg-all file://$SRC/pkg.tar.gz .',
        'pkg-sub tar /opt/pkg-sub file://$SRC/pkg.tar.gz pkg-1.0/sub',
        'pkg-dirs tar /opt/pkg-dirs file://$SRC/pkg.tar.gz',
        'extra file /etc/extra.conf file:///nonexistent/overridden',
        'motd file /etc/motd-from-web $WEB/motd.txt',
        'repo-tag git /opt/repo-tag $SRC/repo v1',
        'repo-main git /opt/repo-main $SRC/repo main',
        'distro-pkg package /opt/never-fetched none',
        '',
      ].join('\n'),
    )
    writeFile(
      join(elements, 'srctest', 'element-deps'),
      'cache-url\nmanifests\nsource-repositories\n',
    )
    // cache-url's exit status for a 404, kept in the image for the assertions.
    writeFile(
      join(elements, 'srctest', 'extra-data.d', '60-srctest-cache-url'),
      [
        '#!/bin/bash',
        'set -eu',
        'status=0',
        '"$TMP_HOOKS_PATH/bin/cache-url" "$WEB/missing" "$TMP_BUILD_DIR/missing" || status=$?',
        'echo "$status" > "$TMP_MOUNT_PATH/etc/cache-url-404-status"',
        'test ! -e "$TMP_BUILD_DIR/missing"',
        '',
      ].join('\n'),
    )
    env = {
      ELEMENTS_PATH: `${elements}:${HOST_OS_ELEMENTS}`,
      DIB_IMAGE_CACHE: join(work, 'cache'),
      SRC: sources,
      WEB: server.url,
      DIB_REPOLOCATION_extra: `file://${sources}/extra.conf`,
      DIB_INSTALLTYPE_distro_pkg: 'package',
      DIB_DEV_USER_PASSWORD: 'not-in-any-manifest',
      TMPDIR: join(work, 'tmp'),
    }
  })

  afterAll(async () => {
    await server.close()
  })

  it("lists the elements' scripts in the plan", async () => {
    const plan = await runCli(IW_BIN, {
      args: ['plan', '-n', 'host-os', 'srctest'],
      env,
      cwd: work,
    })
    expect(plan.code).toBe(0)
    expect(plan.stdout).toMatch(/20-manifests-dir\s+\[manifests\]/)
    expect(plan.stdout).toMatch(/98-source-repositories\s+\[source-repositories\]/)
    expect(plan.stdout).toMatch(/01-copy-manifests\s+\[manifests\]/)
  })

  it('fetches every source type into the image and copies the manifests beside it', async () => {
    const args = ['-n', '-t', 'tar', '-o', 'src', 'host-os', 'srctest']
    const build = await runCli(DIB_BIN, { args, env, cwd: work })
    expect(build.stderr).toBe('')
    expect(build.code).toBe(0)
    const tar = join(work, 'src.tar')
    const listing = sh('tar', ['-tf', tar])

    expect(tarText(tar, './opt/pkg-all/pkg-1.0/README')).toBe('top readme\n')
    expect(tarText(tar, './opt/pkg-sub/file')).toBe('deep file\n')
    expect(listing).not.toMatch(/^\.\/opt\/pkg-sub\/README$/m)
    // The default ref "*" takes the contents of the top-level directories.
    expect(tarText(tar, './opt/pkg-dirs/sub/file')).toBe('deep file\n')
    expect(tarText(tar, './etc/extra.conf')).toBe('from a file URL\n')
    expect(tarText(tar, './etc/motd-from-web')).toBe('message of the day\n')
    expect(tarText(tar, './opt/repo-tag/version')).toBe('one\n')
    expect(tarText(tar, './opt/repo-main/version')).toBe('two\n')
    expect(listing).not.toContain('never-fetched')
    expect(tarText(tar, './etc/cache-url-404-status')).toBe('44\n')
    expect(
      tarText(tar, './etc/dib-source-repositories').split('\n').filter(Boolean).sort(),
    ).toEqual([
      '/etc/extra.conf',
      '/etc/motd-from-web',
      '/opt/pkg-all',
      '/opt/pkg-dirs',
      '/opt/pkg-sub',
      '/opt/repo-main',
      '/opt/repo-tag',
    ])

    const head = sh('git', ['-C', join(sources, 'repo'), 'rev-parse', 'main'])
    const gitManifest = tarText(tar, './etc/dib-manifests/dib-manifest-git-src')
    expect(gitManifest).toContain(`repo-main git /opt/repo-main ${sources}/repo ${head.trim()}`)

    // A relative -o: the manifests land next to the image, in the directory of the build.
    const saved = join(work, 'src.d', 'dib-manifests')
    expect(readFileSync(join(saved, 'dib_arguments'), 'utf8')).toBe(`${args.join(' ')}\n`)
    const environment = readFileSync(join(saved, 'dib_environment'), 'utf8')
    expect(environment).toContain(`declare -x DIB_IMAGE_CACHE="${join(work, 'cache')}"`)
    expect(environment).toContain('DIB_DEV_USER_PASSWORD="(redacted)"')
    expect(environment).not.toContain('not-in-any-manifest')
    expect(readFileSync(join(saved, 'dib-manifest-git-src'), 'utf8')).toBe(gitManifest)
    expect(tarText(tar, './etc/dib-manifests/dib_arguments')).toBe(`${args.join(' ')}\n`)
    expectHostClean()
  })

  it('asks the web server only for changes on the next build, and works offline from the cache', async () => {
    const motd = (): FileServer['requests'] => server.requests.filter((r) => r.path === '/motd.txt')
    const seen = motd().length
    const again = await runCli(DIB_BIN, {
      args: ['-n', '-t', 'tar', '-o', 'again', 'host-os', 'srctest'],
      env,
      cwd: work,
    })
    expect(again.code).toBe(0)
    const conditional = motd().slice(seen)
    expect(conditional).toHaveLength(1)
    expect(conditional[0]?.ifModifiedSince).toBeDefined()
    expect(conditional[0]?.status).toBe(304)
    expect(tarText(join(work, 'again.tar'), './etc/motd-from-web')).toBe('message of the day\n')

    const count = server.requests.length
    const offline = await runCli(DIB_BIN, {
      args: ['-n', '--offline', '-t', 'tar', '-o', 'offline', 'host-os', 'srctest'],
      env,
      cwd: work,
    })
    expect(offline.stderr).toBe('')
    expect(offline.code).toBe(0)
    // Only the test element's own 404 probe goes out; every source comes from the cache.
    expect(server.requests.slice(count).map((r) => r.path)).toEqual(['/missing'])
    expect(tarText(join(work, 'offline.tar'), './opt/repo-tag/version')).toBe('one\n')
    expectHostClean()
  })

  it('stops with a clear error for a package source when the install type is source', async () => {
    const sourceEnv = { ...env }
    delete sourceEnv['DIB_INSTALLTYPE_distro_pkg']
    const failed = await runCli(DIB_BIN, {
      args: ['-n', '-t', 'tar', '-o', 'failed', 'host-os', 'srctest'],
      env: sourceEnv,
      cwd: work,
    })
    expect(failed.code).not.toBe(0)
    expect(failed.stderr).toContain('Cannot fetch "distro-pkg": type "package"')
    expect(failed.stderr).toContain('DIB_INSTALLTYPE_distro_pkg=package')
    expect(existsSync(join(work, 'failed.tar'))).toBe(false)
    expectHostClean()
  })
})
