// GET of a small text document (a suite's Release head, a checksum list) with node:http(s), not
// fetch(). Node's fetch parses HTTP with undici's llhttp compiled to WebAssembly, and the first
// use compiles it again with TurboFan in the background: three Release files fetched at once
// raised the process's peak RSS by 42 MB, 28 MB of it gone again a moment later, which made the
// key computation at the start of a build the builder's largest allocation, above all its later
// work. node:http's parser is native code that is already loaded.
import { get as getHttp, type IncomingMessage } from 'node:http'
import { get as getHttps } from 'node:https'

/** As many as fetch follows. */
const MAX_REDIRECTS = 20
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

export interface HttpText {
  readonly status: number
  /** The body (its start when `enough` said so) of a 2xx answer; "" for any other status. */
  readonly text: string
}

export interface HttpGetOptions {
  readonly signal: AbortSignal
  /** Stop reading the body once this holds for what was read. */
  readonly enough?: (text: string) => boolean
}

export const isOk = (status: number): boolean => status >= 200 && status <= 299

/** GET `url` (http or https), following redirects as fetch does. */
export async function getHttpText(url: string, options: HttpGetOptions): Promise<HttpText> {
  let target = new URL(url)
  for (let redirects = 0; ; redirects++) {
    const response = await request(target, options.signal)
    const status = response.statusCode ?? 0
    const location = response.headers.location
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      response.destroy()
      if (redirects === MAX_REDIRECTS) throw new Error(`Too many redirects from ${url}`)
      target = new URL(location, target)
      continue
    }
    if (!isOk(status)) {
      response.destroy()
      return { status, text: '' }
    }
    return { status, text: await readText(response, options.enough ?? (() => false)) }
  }
}

function request(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get =
      url.protocol === 'https:' ? getHttps : url.protocol === 'http:' ? getHttp : undefined
    if (get === undefined) {
      reject(new Error(`Cannot GET "${url.href}": not an http or https URL`))
      return
    }
    get(url, { signal }, resolve).on('error', reject)
  })
}

async function readText(
  response: IncomingMessage,
  enough: (text: string) => boolean,
): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  // Leaving the loop early destroys the response: the rest is not downloaded.
  for await (const chunk of response) {
    text += decoder.decode(chunk as Buffer, { stream: true })
    if (enough(text)) return text
  }
  return text + decoder.decode()
}
