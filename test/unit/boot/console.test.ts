import { describe, expect, it } from 'vitest'
import {
  ConsoleClosedError,
  ConsoleTimeoutError,
  SerialConsole,
} from '../../../src/boot/console.ts'
import { FakeGuest } from './fake-guest.ts'

describe('SerialConsole', () => {
  it('waits for a marker that arrives later, split into single bytes', async () => {
    const guest = new FakeGuest(() => undefined, { byteByByte: true })
    const lines: string[] = []
    const terminal = new SerialConsole(guest.stream, { onLine: (line) => lines.push(line) })
    const waiting = terminal.waitFor(/login:\s*$/m, 1_000)
    guest.print('\x1b[0;1;32mWelcome\x1b[0m to Grüße\r\n\r\nvm login: ')
    const found = await waiting
    expect(found.before).toBe('Welcome to Grüße\n\nvm ')
    expect(lines).toEqual(['Welcome to Grüße', ''])
    terminal.close()
    expect(terminal.lines).toEqual(['Welcome to Grüße', '', 'vm login: '])
  })

  it('finds output that was printed before the wait began', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    guest.print('already here\n')
    await new Promise((resolve) => setImmediate(resolve))
    await expect(terminal.waitFor(/already/, 10)).resolves.toMatchObject({ index: 0 })
    terminal.close()
  })

  it('times out with ConsoleTimeoutError', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    guest.print('booting...\n')
    const error = await terminal.waitFor(/login:/, 30).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsoleTimeoutError)
    expect(terminal.tail(5)).toEqual(['booting...'])
    terminal.close()
  })

  it('rejects pending and later waits when the guest hangs up', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    const waiting = terminal.waitFor(/login:/, 5_000)
    guest.print('Kernel panic')
    guest.hangUp()
    await expect(waiting).rejects.toBeInstanceOf(ConsoleClosedError)
    await expect(terminal.waitFor(/login:/, 5_000)).rejects.toBeInstanceOf(ConsoleClosedError)
    expect(terminal.closed).toBe(true)
    expect(terminal.tail(1)).toEqual(['Kernel panic'])
  })

  it('stops waiting when the signal aborts', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    const controller = new AbortController()
    const waiting = terminal.waitFor(/never/, 5_000, { signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
    terminal.close()
  })

  it('refuses two waits at once', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    const first = terminal.waitFor(/a/, 1_000)
    await expect(terminal.waitFor(/b/, 1_000)).rejects.toThrow(/twice/)
    guest.print('a')
    await first
    terminal.close()
  })

  it('sends typed text to the guest', async () => {
    const guest = new FakeGuest((typed, g) => g.print(`echo:${typed}`))
    const terminal = new SerialConsole(guest.stream)
    await terminal.send('root\r')
    await terminal.waitFor(/echo:root/, 1_000)
    expect(guest.typed).toEqual(['root\r'])
    terminal.close()
    await expect(terminal.send('x')).rejects.toBeInstanceOf(ConsoleClosedError)
  })
})
