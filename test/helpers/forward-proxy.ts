// A plain-HTTP forward proxy for tests: it passes each request on to the host named in its
// absolute URL and records that host, so a test can tell whether a build used it.
import { createServer, request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ForwardProxy {
  readonly url: string
  /** Host (with port, when not 80) of every request passed on, in arrival order. */
  readonly hosts: readonly string[]
  close(): Promise<void>
}

const HOP_BY_HOP = ['proxy-connection', 'proxy-authorization', 'connection', 'keep-alive']

function forwardHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, host }
  for (const name of HOP_BY_HOP) delete out[name]
  return out
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const hosts: string[] = []
  const server = createServer((req, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400).end('absolute URL expected')
      return
    }
    hosts.push(target.host)
    const upstream = request(
      target,
      { method: req.method, headers: forwardHeaders(req.headers, target.host) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  // HTTPS through CONNECT is not offered: the tests only need plain HTTP mirrors.
  server.on('connect', (_req, socket) => socket.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hosts,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
