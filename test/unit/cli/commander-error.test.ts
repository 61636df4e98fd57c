import { describe, expect, it } from 'vitest'
import { usageErrorFromCommander } from '../../../src/cli/commander-error.ts'

describe('usageErrorFromCommander()', () => {
  it.each([
    [
      "error: unknown command 'frobnicate'",
      'Unknown command "frobnicate"',
      'Run "imagewright --help" to see the commands and their options',
    ],
    [
      "error: unknown command 'buidl'\n(Did you mean build?)",
      'Unknown command "buidl"',
      'Did you mean "build"?',
    ],
    [
      "error: unknown option '--uefy'\n(Did you mean one of --kvm, --uefi?)",
      'Unknown option "--uefy"',
      'Did you mean "--kvm" or "--uefi"?',
    ],
    [
      "error: missing required argument 'image'",
      'Missing required argument "image"',
      'Run "imagewright --help" to see the commands and their options',
    ],
    [
      "error: too many arguments for 'cleanup'. Expected 0 arguments but got 1.",
      'Too many arguments for "cleanup". Expected 0 arguments but got 1',
      'Run "imagewright --help" to see the commands and their options',
    ],
  ])('rewrites %j', (message, expected, hint) => {
    const error = usageErrorFromCommander(message, 'imagewright')
    expect(error.message).toBe(expected)
    expect(error.hint).toBe(hint)
    expect(error.code).toBe('ERR_USAGE')
  })
})
