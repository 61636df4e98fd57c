import { describe, expect, it } from 'vitest'
import { describeBashSyntaxError } from '../../../src/phases/check-environment-files.ts'

describe('describeBashSyntaxError()', () => {
  it.each([
    [
      "/e/environment.d/10-a.bash: line 2: syntax error near unexpected token `then'\n/e/environment.d/10-a.bash: line 2: `if then fi'\n",
      "line 2: syntax error near unexpected token `then'",
    ],
    [
      '\n/e/environment.d/10-a.bash: line 9: syntax error: unexpected end of file\n',
      'line 9: syntax error: unexpected end of file',
    ],
    ['bash: something else\n', 'bash: something else'],
    ['', 'bash cannot parse it'],
  ])('reads %j', (stderr, expected) => {
    expect(describeBashSyntaxError(stderr, '/e/environment.d/10-a.bash')).toBe(expected)
  })
})
