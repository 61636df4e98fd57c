// Connecting to a UNIX socket that a just-started process has not created yet.
import { createConnection, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

const RETRY_MS = 50
// The socket file does not exist yet, or exists but nobody listens on it yet.
const NOT_YET = new Set(['ENOENT', 'ECONNREFUSED'])

export interface ConnectOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

/** Connect, retrying while the socket is not there yet; throws on timeout or abort. */
export async function connectUnixSocket(path: string, options: ConnectOptions): Promise<Socket> {
  const deadline = Date.now() + options.timeoutMs
  for (;;) {
    options.signal?.throwIfAborted()
    try {
      return await tryConnect(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === undefined || !NOT_YET.has(code)) throw error
      if (Date.now() >= deadline) {
        const waited = `${options.timeoutMs} ms`
        throw new Error(`Cannot connect to "${path}": nothing listening after ${waited}`, {
          cause: error,
        })
      }
    }
    await sleep(RETRY_MS, undefined, options.signal ? { signal: options.signal } : {})
  }
}

function tryConnect(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    const onError = (error: Error): void => {
      socket.destroy()
      reject(error)
    }
    socket.once('error', onError)
    socket.once('connect', () => {
      socket.off('error', onError)
      resolve(socket)
    })
  })
}
