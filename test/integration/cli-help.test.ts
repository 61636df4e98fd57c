// Every command's --help through the compiled CLI (run `npm run build` first): it exits 0 and
// ends with examples, and the examples call commands that exist. The subcommands are read from
// `imagewright --help`, so one added later is held to the same rule without touching this file.
import { describe, expect, it } from 'vitest'
import { DIB_BIN, IW_BIN, runCli } from '../helpers/cli.ts'

async function help(bin: string, args: readonly string[]): Promise<string> {
  const result = await runCli(bin, { args: [...args, '--help'], timeoutMs: 30_000 })
  expect(result.stderr, `${args.join(' ')} --help`).toBe('')
  expect(result.code, `${args.join(' ')} --help`).toBe(0)
  return result.stdout
}

/** The command lines of the Examples section. */
function examples(text: string): string[] {
  const section = text.split('\nExamples:\n')[1]
  return (section ?? '')
    .split('\n')
    .filter((line) => line.startsWith('  $ '))
    .map((line) => line.slice(4))
}

const root = await help(IW_BIN, [])
const subcommands = (root.split('\nCommands:\n')[1] ?? '')
  .split('\n')
  .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
  .filter((name): name is string => name !== undefined && name !== 'help')

describe('--help', () => {
  it('lists the subcommands a user reaches for', () => {
    expect(subcommands).toEqual(
      expect.arrayContaining([
        'build',
        'plan',
        'boot-test',
        'cleanup',
        'report',
        'block-device',
        'doctor',
      ]),
    )
  })

  const cases: [string, string, string[]][] = [
    ['imagewright', IW_BIN, []],
    ['disk-image-create', DIB_BIN, []],
    ...subcommands.map((name): [string, string, string[]] => [
      `imagewright ${name}`,
      IW_BIN,
      [name],
    ]),
  ]
  it.each(cases)(
    '%s --help exits 0 and shows examples of commands that exist',
    async (_title, bin, args) => {
      const text = await help(bin, args)
      const lines = examples(text)
      expect(lines.length, text).toBeGreaterThan(0)
      for (const line of lines) {
        // Environment assignments and sudo first, as a shell reads them.
        const words = line
          .split(' ')
          .filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== 'sudo' && w !== '-E')
        const [program, subcommand] = words
        expect(['imagewright', 'disk-image-create', 'ramdisk-image-create'], line).toContain(
          program,
        )
        if (program === 'imagewright')
          expect([...subcommands, '<command>'], line).toContain(subcommand)
      }
    },
  )
})
