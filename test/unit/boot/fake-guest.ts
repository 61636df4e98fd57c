// An in-memory serial line for console tests: what the code types is recorded and handed to a
// responder that plays the guest, pushing output back (optionally one byte at a time).
import { Duplex } from 'node:stream'

export type Responder = (typed: string, guest: FakeGuest) => void

export class FakeGuest {
  readonly typed: string[] = []
  readonly stream: Duplex
  readonly #byteByByte: boolean
  #responder: Responder

  constructor(responder: Responder = () => undefined, options: { byteByByte?: boolean } = {}) {
    this.#responder = responder
    this.#byteByByte = options.byteByByte ?? false
    this.stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        const text = chunk.toString('utf8')
        this.typed.push(text)
        // Answer on a later tick, as a real guest would.
        setImmediate(() => this.#responder(text, this))
        callback()
      },
    })
  }

  respondWith(responder: Responder): void {
    this.#responder = responder
  }

  print(text: string): void {
    if (!this.#byteByByte) {
      this.stream.push(text)
      return
    }
    for (const byte of Buffer.from(text, 'utf8')) this.stream.push(Buffer.from([byte]))
  }

  hangUp(): void {
    this.stream.push(null)
  }
}

/** Answers command lines built by buildCommandLine like a shell on a tty with echo on. */
export function fakeShell(commands: Readonly<Record<string, [string, number]>>): Responder {
  const line =
    /^echo __IW_(\w+)_\\B(\d+)__; eval '(.*)' <\/dev\/null; echo __IW_\w+_\\E\d+__ \$\?\r$/
  return (typed, guest) => {
    guest.print(`\x1b[1mvm#\x1b[0m ${typed.replace('\r', '\r\n')}`)
    const ready = /^echo __IW_(\w+)_\\READY__\r$/.exec(typed)
    if (ready) {
      guest.print(`__IW_${ready[1]}_READY__\r\n`)
      return
    }
    const parsed = line.exec(typed)
    if (!parsed) return
    const [, nonce, index, quoted] = parsed
    const command = (quoted ?? '').replaceAll(`'\\''`, `'`)
    const [output, status] = commands[command] ?? [`sh: ${command}: not found\r\n`, 127]
    guest.print(`__IW_${nonce}_B${index}__\r\n${output}__IW_${nonce}_E${index}__ ${status}\r\n`)
  }
}
