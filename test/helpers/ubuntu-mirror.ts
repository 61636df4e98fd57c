// A stand-in for an Ubuntu archive mirror, on 127.0.0.1, made from Debian's: the suites
// noble, noble-updates, noble-security and noble-backports are bookworm's, bookworm-updates',
// bookworm-security's and bookworm-backports' (test/helpers/ubuntu-release.ts rewrites their
// Release files to say noble), signed again with a key the test makes (a private mirror's key,
// handed to the build as a DIB user would: DIB_APT_KEYRING).
//
// Components, mapped as follows:
// - main: Debian's main, index files and pool passed through from deb.debian.org unchanged
//   (the security suite's pool/updates/ from debian-security), checked by Debian's checksums;
// - universe: the stand-in's own small index: in the release suite, metapackages under the
//   names of Ubuntu's kernels (linux-image-generic, linux-image-virtual) that depend on Debian's
//   (linux-image-amd64, linux-image-cloud-amd64), which is what Ubuntu's metapackages are; empty
//   in the other suites. Ubuntu keeps its kernels in main; Debian has no universe.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { passOn } from './mirror-view.ts'
import { HASH_FIELDS, rewriteRelease } from './ubuntu-release.ts'

export interface UbuntuMirror {
  /** The mirror, as DIB_DISTRIBUTION_MIRROR: http://127.0.0.1:PORT/ubuntu */
  readonly url: string
  /** The public key the Release files are signed with (a binary keyring, for DIB_APT_KEYRING). */
  readonly keyring: string
  /** Paths asked for, in arrival order. */
  readonly paths: readonly string[]
  close(): Promise<void>
}

export interface UbuntuMirrorOptions {
  readonly codename?: string
  /** The Debian release standing in for it. */
  readonly from?: string
  readonly upstream?: string
}

/** Ubuntu's kernel metapackages and the Debian kernels they stand for. */
const KERNELS: Readonly<Record<string, string>> = {
  'linux-image-generic': 'linux-image-amd64',
  'linux-image-virtual': 'linux-image-cloud-amd64',
}

interface Suite {
  readonly name: string
  readonly archive: '/debian' | '/debian-security'
  readonly upstream: string
}

const PREFIX = '/ubuntu'

export async function startUbuntuMirror(
  dir: string,
  options: UbuntuMirrorOptions = {},
): Promise<UbuntuMirror> {
  const { codename = 'noble', from = 'bookworm', upstream = 'http://deb.debian.org' } = options
  const suites: Suite[] = [
    { name: codename, archive: '/debian', upstream: from },
    { name: `${codename}-updates`, archive: '/debian', upstream: `${from}-updates` },
    { name: `${codename}-security`, archive: '/debian-security', upstream: `${from}-security` },
    { name: `${codename}-backports`, archive: '/debian', upstream: `${from}-backports` },
  ]
  const gnupg = join(dir, 'gnupg')
  mkdirSync(gnupg, { recursive: true, mode: 0o700 })
  const gpg = (args: string[], input?: string): Buffer =>
    execFileSync('gpg', ['--homedir', gnupg, '--batch', '--quiet', '--yes', ...args], {
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
  gpg([
    '--passphrase',
    '',
    '--quick-gen-key',
    'imagewright stand-in Ubuntu mirror <mirror@imagewright.invalid>',
    'ed25519',
    'sign',
    '1d',
  ])
  const keyring = join(dir, 'stand-in-mirror.gpg')
  writeFileSync(keyring, gpg(['--export']))

  const local = new Map<string, Buffer>()
  const pool = kernelPackages(join(dir, 'packages'))
  for (const [path, body] of pool.files) local.set(`${PREFIX}/${path}`, body)
  try {
    for (const suite of suites) {
      const response = await fetch(`${upstream}${suite.archive}/dists/${suite.upstream}/Release`)
      if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status}`)
      const added = new Map([
        ['universe/binary-amd64/Packages', suite.name === codename ? pool.index : Buffer.alloc(0)],
      ])
      const release = rewriteRelease(await response.text(), {
        suite: suite.name,
        codename,
        keep: ['main'],
        added,
      })
      const dists = `${PREFIX}/dists/${suite.name}`
      local.set(`${dists}/Release`, Buffer.from(release))
      local.set(`${dists}/InRelease`, gpg(['--clearsign'], release))
      local.set(`${dists}/Release.gpg`, gpg(['--armor', '--detach-sign'], release))
      for (const [path, body] of added) {
        local.set(`${dists}/${path}`, body)
        // Acquire-By-Hash stays on (Debian's main is read that way): the stand-in's own
        // index files are found under their digests too.
        const parent = path.slice(0, path.lastIndexOf('/'))
        for (const [field, algorithm] of Object.entries(HASH_FIELDS)) {
          const digest = createHash(algorithm).update(body).digest('hex')
          local.set(`${dists}/${parent}/by-hash/${field}/${digest}`, body)
        }
      }
    }
  } finally {
    execFileSync('gpgconf', ['--homedir', gnupg, '--kill', 'gpg-agent'])
  }

  const upstreamUrl = (path: string): URL | undefined => {
    for (const suite of suites) {
      const main = `${PREFIX}/dists/${suite.name}/main/`
      if (path.startsWith(main))
        return new URL(
          `${suite.archive}/dists/${suite.upstream}/main/${path.slice(main.length)}`,
          upstream,
        )
    }
    if (path.startsWith(`${PREFIX}/pool/updates/`))
      return new URL(`/debian-security${path.slice(PREFIX.length)}`, upstream)
    if (path.startsWith(`${PREFIX}/pool/main/`))
      return new URL(`/debian${path.slice(PREFIX.length)}`, upstream)
    return undefined
  }

  const paths: string[] = []
  const server = createServer((req, res) => {
    // apt escapes "+" (0+standin1) as %2b: local files are found by the decoded path, Debian's
    // by the path as apt sent it.
    const path = new URL(req.url ?? '/', 'http://x').pathname
    paths.push(decodeURIComponent(path))
    const body = local.get(decodeURIComponent(path))
    if (body !== undefined) {
      res.writeHead(200, { 'Content-Length': body.length })
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }
    const target = upstreamUrl(path)
    if (target === undefined) {
      res.writeHead(404)
      res.end()
      return
    }
    passOn(req, res, target)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    keyring,
    paths,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** The kernel metapackages as .deb files (dpkg-deb), their pool paths and their index. */
function kernelPackages(dir: string): { files: Map<string, Buffer>; index: Buffer } {
  const files = new Map<string, Buffer>()
  const records: string[] = []
  for (const [name, kernel] of Object.entries(KERNELS)) {
    const control = [
      `Package: ${name}`,
      'Version: 0+standin1',
      'Architecture: amd64',
      'Maintainer: imagewright tests <mirror@imagewright.invalid>',
      `Depends: ${kernel}`,
      'Section: kernel',
      'Priority: optional',
      `Description: stand-in for Ubuntu's ${name}: Debian's ${kernel}`,
    ].join('\n')
    const tree = join(dir, name)
    mkdirSync(join(tree, 'DEBIAN'), { recursive: true })
    writeFileSync(join(tree, 'DEBIAN/control'), `${control}\n`)
    const deb = join(dir, `${name}_0+standin1_amd64.deb`)
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, deb], {
      stdio: 'ignore',
    })
    const body = readFileSync(deb)
    const filename = `pool/universe/l/${name}/${name}_0+standin1_amd64.deb`
    files.set(filename, body)
    const sha256 = createHash('sha256').update(body).digest('hex')
    records.push(`${control}\nFilename: ${filename}\nSize: ${body.length}\nSHA256: ${sha256}\n`)
  }
  return { files, index: Buffer.from(records.join('\n')) }
}
