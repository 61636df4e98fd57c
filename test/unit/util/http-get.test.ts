import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getHttpText } from '../../../src/util/http-get.ts'

let server: Server
let base: string
/** Bytes of /long actually sent before the client went away. */
let longSent = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/moved') res.writeHead(301, { location: '/here' }).end()
    else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end()
    else if (req.url === '/here') res.end('Codename: bookworm\n')
    else if (req.url === '/long') {
      res.write('head\nSHA256:\n')
      const timer = setInterval(() => {
        longSent += 1
        res.write('x'.repeat(1024))
      }, 5)
      res.on('close', () => clearInterval(timer))
    } else res.writeHead(404).end('no')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const signal = (): AbortSignal => AbortSignal.timeout(5_000)

describe('getHttpText()', () => {
  it('follows a redirect to the body', async () => {
    expect(await getHttpText(`${base}/moved`, { signal: signal() })).toEqual({
      status: 200,
      text: 'Codename: bookworm\n',
    })
  })

  it('gives the status and no body for an answer that is not 2xx', async () => {
    expect(await getHttpText(`${base}/nothing`, { signal: signal() })).toEqual({
      status: 404,
      text: '',
    })
  })

  it('stops reading once it has enough', async () => {
    const { text } = await getHttpText(`${base}/long`, {
      signal: signal(),
      enough: (head) => head.includes('SHA256:'),
    })
    expect(text.startsWith('head\nSHA256:\n')).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(longSent).toBeLessThan(20)
  })

  it('gives up on endless redirects and on URLs that are not http', async () => {
    await expect(getHttpText(`${base}/loop`, { signal: signal() })).rejects.toThrow(
      'Too many redirects',
    )
    await expect(getHttpText('ftp://example.invalid/x', { signal: signal() })).rejects.toThrow(
      'not an http or https URL',
    )
  })
})
