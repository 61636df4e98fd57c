// A Debian mirror as it stood when an alias meant another release: a local HTTP server that
// passes every request on to the real archive, except that `dists/ALIAS...` is read from
// `dists/CODENAME...` (stable-updates from bookworm-updates, and so on). The Release files stay
// the archive's own, signatures and all; only the suite name they are found under changes.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface MirrorView {
  /** Stands for `http://deb.debian.org`: add `/debian` or `/debian-security`. */
  readonly url: string
  /** Paths asked for, in arrival order. */
  readonly paths: readonly string[]
  close(): Promise<void>
}

export async function startMirrorView(
  alias: string,
  codename: string,
  upstream = 'http://deb.debian.org',
): Promise<MirrorView> {
  const paths: string[] = []
  const aliased = new RegExp(`/dists/${alias}(?=[-/])`)
  const server = createServer((req, res) => {
    const path = req.url ?? '/'
    paths.push(path)
    passOn(req, res, new URL(path.replace(aliased, `/dists/${codename}`), upstream))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** Forwards `req` to `target` and streams the answer back as it comes (502 if unreachable). */
export function passOn(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const headers = { ...req.headers, host: target.host }
  delete headers.connection
  const upstreamRequest = request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  upstreamRequest.on('error', () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  })
  req.pipe(upstreamRequest)
}
