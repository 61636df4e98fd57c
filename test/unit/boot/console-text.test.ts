import { describe, expect, it } from 'vitest'
import {
  ConsoleTranscript,
  TerminalTextFilter,
  stripTerminalControls,
} from '../../../src/boot/console-text.ts'

describe('stripTerminalControls', () => {
  it.each([
    ['colours', '\x1b[0;32m  OK  \x1b[0m] Started', '  OK  ] Started'],
    ['cursor moves', '\x1b[2J\x1b[1;1Hlogin: ', 'login: '],
    ['private modes', '\x1b[?25l\x1b[?2004hroot@vm:~# ', 'root@vm:~# '],
    ['title OSC with BEL', '\x1b]0;root@vm: ~\x07root@vm:~# ', 'root@vm:~# '],
    ['title OSC with ST', '\x1b]2;title\x1b\\text', 'text'],
    ['charset and reset', '\x1b(B\x1bcplain\x1b7', 'plain'],
    ['carriage returns', 'Debian 12 ttyS0\r\n\r\nvm login: ', 'Debian 12 ttyS0\n\nvm login: '],
    ['bells, NULs and backspaces', 'a\x07b\x00c\x08d', 'abcd'],
    ['tabs and newlines kept', 'a\tb\nc', 'a\tb\nc'],
    ['stray ESC', 'a\x1b', 'a'],
    ['unicode kept', 'Grüße ✓', 'Grüße ✓'],
  ])('removes %s', (_name, input, expected) => expect(stripTerminalControls(input)).toBe(expected))
})

describe('TerminalTextFilter', () => {
  it.each([
    ['CSI', ['abc\x1b[0', ';32mdef']],
    ['CSI at ESC', ['abc\x1b', '[0;32mdef']],
    ['CSI one byte at a time', [...'abc\x1b[0;32mdef']],
    ['OSC', ['abc\x1b]0;ti', 'tle\x07def']],
    ['OSC with split ST', ['abc\x1b]0;title\x1b', '\\def']],
    ['charset', ['abc\x1b(', 'Bdef']],
  ])('joins a %s sequence split across chunks', (_name, chunks) => {
    const filter = new TerminalTextFilter()
    const text = chunks.map((chunk) => filter.push(chunk)).join('') + filter.flush()
    expect(text).toBe('abcdef')
  })

  it('does not hold back a sequence that never ends forever', () => {
    const filter = new TerminalTextFilter()
    const out = filter.push(`\x1b]0;${'x'.repeat(300)}`)
    expect(out.length).toBeGreaterThan(0)
  })
})

describe('ConsoleTranscript', () => {
  it('splits lines across chunks and reports each completed line once', () => {
    const seen: string[] = []
    const transcript = new ConsoleTranscript({ onLine: (line) => seen.push(line) })
    for (const chunk of ['[    0.0] Lin', 'ux version\r\n[', '    1.2] ok\r', '\nvm login: ']) {
      transcript.push(chunk)
    }
    expect(seen).toEqual(['[    0.0] Linux version', '[    1.2] ok'])
    expect(transcript.lines).toEqual(seen)
    expect(transcript.partialLine).toBe('vm login: ')
    expect(transcript.tail(2)).toEqual(['[    1.2] ok', 'vm login: '])
    transcript.end()
    expect(seen).toEqual(['[    0.0] Linux version', '[    1.2] ok', 'vm login: '])
  })

  it('keeps only the requested tail', () => {
    const transcript = new ConsoleTranscript()
    for (let i = 1; i <= 50; i++) transcript.push(`line ${i}\n`)
    expect(transcript.tail(3)).toEqual(['line 48', 'line 49', 'line 50'])
    expect(transcript.lines).toHaveLength(50)
  })

  it('matches a marker split across chunks, even inside an escape sequence', () => {
    const transcript = new ConsoleTranscript()
    transcript.push('Debian GNU/Linux 12 vm ttyS0\r\n\r\nvm lo')
    expect(transcript.consume([/login:\s*$/m])).toBeUndefined()
    transcript.push('gi\x1b[0')
    expect(transcript.consume([/login:\s*$/m])).toBeUndefined()
    transcript.push('mn: ')
    const found = transcript.consume([/login:\s*$/m])
    expect(found?.index).toBe(0)
    expect(found?.before).toBe('Debian GNU/Linux 12 vm ttyS0\n\nvm ')
  })

  it('consumes up to each match, so the same text never matches twice', () => {
    const transcript = new ConsoleTranscript()
    transcript.push('A\nB\nA\n')
    expect(transcript.consume([/A/])?.before).toBe('')
    expect(transcript.consume([/A/])?.before).toBe('\nB\n')
    expect(transcript.consume([/A/])).toBeUndefined()
  })

  it('returns the earliest of several patterns and says which', () => {
    const transcript = new ConsoleTranscript()
    transcript.push('Kernel panic - not syncing: VFS\nlogin: ')
    const found = transcript.consume([/login:/, /Kernel panic/])
    expect(found?.index).toBe(1)
    expect(found?.match[0]).toBe('Kernel panic')
  })

  it('ignores lastIndex state of global regexes', () => {
    const transcript = new ConsoleTranscript()
    const pattern = /ready/g
    pattern.lastIndex = 100
    transcript.push('ready\n')
    expect(transcript.consume([pattern])?.match[0]).toBe('ready')
  })

  it('bounds the match window but keeps every line', () => {
    const transcript = new ConsoleTranscript({ matchWindow: 16 })
    transcript.push('OLDMARKER\n' + 'x'.repeat(40) + '\nnew')
    expect(transcript.consume([/OLDMARKER/])).toBeUndefined()
    expect(transcript.consume([/new/])).toBeDefined()
    expect(transcript.lines[0]).toBe('OLDMARKER')
  })
})
