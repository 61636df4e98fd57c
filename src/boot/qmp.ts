// Asking QEMU to quit over QMP (its JSON control protocol), the clean alternative to a signal.
import type { Socket } from 'node:net'
import { connectUnixSocket } from './unix-socket.ts'

/**
 * Connect, negotiate capabilities, send "quit" and wait until QEMU closes the socket.
 * Throws when any step takes longer than timeoutMs in total; the caller then kills QEMU.
 */
export async function quitQemu(qmpSocket: string, timeoutMs: number): Promise<void> {
  const socket = await connectUnixSocket(qmpSocket, { timeoutMs })
  const messages = readMessages(socket)
  const timer = setTimeout(
    () => socket.destroy(new Error(`QMP quit did not finish within ${timeoutMs} ms`)),
    timeoutMs,
  )
  try {
    await messages.next('QMP')
    socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`)
    await messages.next('return')
    socket.write(`${JSON.stringify({ execute: 'quit' })}\n`)
    await messages.closed
  } finally {
    clearTimeout(timer)
    socket.destroy()
  }
}

interface MessageReader {
  /** The next message that has this top-level key (events in between are skipped). */
  next(key: string): Promise<Record<string, unknown>>
  readonly closed: Promise<void>
}

function readMessages(socket: Socket): MessageReader {
  const queue: Record<string, unknown>[] = []
  let wake: (() => void) | undefined
  let failure: Error | undefined
  let pending = ''
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    pending += chunk
    for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
      const line = pending.slice(0, newline).trim()
      pending = pending.slice(newline + 1)
      if (line.length > 0) queue.push(parseMessage(line))
    }
    wake?.()
  })
  socket.on('error', (error) => {
    failure = error
    wake?.()
  })
  socket.on('close', () => {
    failure ??= new Error('QMP socket closed')
    wake?.()
  })
  return {
    closed,
    async next(key) {
      for (;;) {
        const index = queue.findIndex((message) => key in message)
        if (index >= 0) {
          const [message] = queue.splice(0, index + 1).slice(-1)
          if (message) return message
        }
        if (failure) throw failure
        await new Promise<void>((resolve) => (wake = resolve))
      }
    },
  }
}

function parseMessage(line: string): Record<string, unknown> {
  try {
    const message: unknown = JSON.parse(line)
    if (typeof message === 'object' && message !== null) return message as Record<string, unknown>
  } catch {
    // An unparsable line is skipped like an unknown event; the timeout bounds the wait.
  }
  return {}
}
