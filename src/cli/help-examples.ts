// Examples are declared with the command they belong to and rendered the same way in every
// --help. A new subcommand adds them with:
//
//   root.command('worker')
//     .description('...')
//     .addHelpText('after', examplesHelp([
//       ['imagewright worker --queue postgres://...', 'take builds from the queue until stopped'],
//     ]))
//
// test/integration/cli-help.test.ts runs --help for every subcommand and fails on one without an
// "Examples:" section.

/** A command line as a user types it, and what it does, in a few words. */
export type Example = readonly [command: string, what: string]

export function examplesHelp(examples: readonly Example[]): string {
  const lines = ['', 'Examples:']
  for (const [command, what] of examples) lines.push(`  $ ${command}`, `      ${what}`)
  return lines.join('\n')
}
