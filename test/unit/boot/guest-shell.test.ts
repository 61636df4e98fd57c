import { describe, expect, it } from 'vitest'
import { SerialConsole } from '../../../src/boot/console.ts'
import {
  GuestShellError,
  buildCommandLine,
  logIn,
  markerPattern,
  quoteShellWord,
  runGuestCommand,
  waitForShell,
} from '../../../src/boot/guest-shell.ts'
import { FakeGuest, fakeShell } from './fake-guest.ts'

describe('buildCommandLine', () => {
  it('frames the command with markers the echoed line cannot contain', () => {
    const line = buildCommandLine(`grep -c 'x' /etc/passwd # note`, 'ab12', 3)
    expect(line).toBe(
      `echo __IW_ab12_\\B3__; eval 'grep -c '\\''x'\\'' /etc/passwd # note' </dev/null; ` +
        `echo __IW_ab12_\\E3__ $?\r`,
    )
    expect(markerPattern('ab12', 'B3').test(line)).toBe(false)
    expect(markerPattern('ab12', 'E3').test(line)).toBe(false)
  })

  it.each([
    ['plain', `'plain'`],
    [`it's`, `'it'\\''s'`],
    ['$HOME "x"', `'$HOME "x"'`],
  ])('quotes %s as %s', (word, quoted) => expect(quoteShellWord(word)).toBe(quoted))
})

describe('runGuestCommand', () => {
  it.each([false, true])('captures output and status (byte by byte: %s)', async (byteByByte) => {
    const shell = fakeShell({
      'systemctl is-active ssh': ['active\r\n', 0],
      false: ['', 1],
      "printf 'no newline'": ['no newline', 0],
    })
    const guest = new FakeGuest(shell, { byteByByte })
    const terminal = new SerialConsole(guest.stream)
    const limits = { timeoutMs: 2_000 }
    expect(await runGuestCommand(terminal, 'systemctl is-active ssh', 1, 'n1', limits)).toEqual({
      command: 'systemctl is-active ssh',
      output: 'active',
      exitStatus: 0,
    })
    expect(await runGuestCommand(terminal, 'false', 2, 'n1', limits)).toMatchObject({
      output: '',
      exitStatus: 1,
    })
    expect(await runGuestCommand(terminal, "printf 'no newline'", 3, 'n1', limits)).toMatchObject({
      output: 'no newline',
      exitStatus: 0,
    })
    expect(await runGuestCommand(terminal, 'nope', 4, 'n1', limits)).toMatchObject({
      output: 'sh: nope: not found',
      exitStatus: 127,
    })
    terminal.close()
  })

  it('fails with the command named when it does not finish in time', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    const error = await runGuestCommand(terminal, 'sleep 999', 1, 'n', { timeoutMs: 50 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(GuestShellError)
    expect((error as Error).message).toBe('command "sleep 999" did not finish within 0 s')
    terminal.close()
  })
})

describe('logIn and waitForShell', () => {
  it('types user and password, then probes until the shell answers', async () => {
    const shell = fakeShell({})
    const guest = new FakeGuest((typed, g) => {
      if (typed === 'root\r') g.print('root\r\nPassword: ')
      else if (typed === 'secret\r') {
        g.print('\r\nLinux vm 6.1.0\r\n')
        g.respondWith(shell)
      }
    })
    const terminal = new SerialConsole(guest.stream)
    guest.print('vm login: ')
    await terminal.waitFor(/login:\s*$/m, 1_000)
    await logIn(terminal, { user: 'root', password: 'secret' }, { timeoutMs: 1_000 })
    await waitForShell(terminal, 'abc', { timeoutMs: 2_000 })
    expect(guest.typed.slice(0, 3)).toEqual(['root\r', 'secret\r', 'echo __IW_abc_\\READY__\r'])
    terminal.close()
  })

  it('fails fast when the guest refuses the login', async () => {
    const guest = new FakeGuest((typed, g) => {
      if (typed === 'root\r') g.print('Password: ')
      else if (typed === 'wrong\r') g.print('\r\nLogin incorrect\r\nvm login: ')
    })
    const terminal = new SerialConsole(guest.stream)
    await logIn(terminal, { user: 'root', password: 'wrong' }, { timeoutMs: 1_000 })
    const started = Date.now()
    const error = await waitForShell(terminal, 'abc', { timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(GuestShellError)
    expect((error as Error).message).toBe('the guest refused the login ("Login incorrect")')
    expect(Date.now() - started).toBeLessThan(5_000)
    terminal.close()
  })

  it('says when no password prompt appears', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    await expect(
      logIn(terminal, { user: 'root', password: 'x' }, { timeoutMs: 50 }),
    ).rejects.toThrow('no "Password:" prompt within 0 s after typing user "root"')
    terminal.close()
  })

  it('skips the password step for accounts without one', async () => {
    const guest = new FakeGuest()
    const terminal = new SerialConsole(guest.stream)
    await logIn(terminal, { user: 'root' }, { timeoutMs: 50 })
    expect(guest.typed).toEqual(['root\r'])
    terminal.close()
  })
})
