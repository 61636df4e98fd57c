// Commander reports its own usage errors ("error: unknown command 'x'"); they are rewritten as
// UsageErrors so every failure of `imagewright` reads the same: Error / Code / Try this.
import { UsageError } from '../errors.ts'

const SUGGESTION = /\n\(Did you mean (?:one of )?(.+)\?\)\s*$/

/** A UsageError with commander's message in our style and its suggestion as the hint. */
export function usageErrorFromCommander(message: string, program: string): UsageError {
  const suggestion = SUGGESTION.exec(message)?.[1]
  const text = message
    .replace(SUGGESTION, '')
    .replace(/^error:\s*/, '')
    .replace(/'([^']*)'/g, '"$1"')
    .replace(/\.$/, '')
    .trim()
  const sentence = text.charAt(0).toUpperCase() + text.slice(1)
  const hint =
    suggestion === undefined
      ? `Run "${program} --help" to see the commands and their options`
      : `Did you mean ${suggestion
          .split(', ')
          .map((name) => `"${name}"`)
          .join(' or ')}?`
  return new UsageError(sentence, { hint })
}
