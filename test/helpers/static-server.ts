// A download site on 127.0.0.1 serving one directory: the stand-in for a vendor's cloud-image
// server (SHA256SUMS beside the images) in tests that must not reach the internet. It answers
// HEAD and GET with Content-Length and Last-Modified, honours If-Modified-Since, and records
// every request so a test can tell a cache hit from a download.
import { createHash } from 'node:crypto'
import { createReadStream, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize, sep } from 'node:path'

export interface StaticServer {
  readonly url: string
  /** `METHOD path status`, in arrival order. */
  readonly requests: readonly string[]
  close(): Promise<void>
}

export async function startStaticServer(root: string): Promise<StaticServer> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const file = normalize(join(root, path))
    const answer = (status: number): void => {
      requests.push(`${req.method ?? 'GET'} ${path} ${status}`)
      res.statusCode = status
    }
    let stat
    try {
      stat = file.startsWith(root + sep) ? statSync(file) : undefined
    } catch {
      stat = undefined
    }
    if (stat === undefined || !stat.isFile()) {
      answer(404)
      res.end()
      return
    }
    const since = Date.parse(req.headers['if-modified-since'] ?? '')
    if (!Number.isNaN(since) && Math.floor(stat.mtimeMs / 1000) <= Math.floor(since / 1000)) {
      answer(304)
      res.end()
      return
    }
    answer(200)
    res.setHeader('Content-Length', stat.size)
    res.setHeader('Last-Modified', stat.mtime.toUTCString())
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** Writes `dir/SHA256SUMS` for every other file in `dir`, in the `sha256sum` format. */
export function writeSha256Sums(dir: string): void {
  const lines = readdirSync(dir)
    .filter((name) => name !== 'SHA256SUMS' && statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => {
      const digest = createHash('sha256')
        .update(readFileSync(join(dir, name)))
        .digest('hex')
      return `${digest} *${name}\n`
    })
  writeFileSync(join(dir, 'SHA256SUMS'), lines.join(''))
}
