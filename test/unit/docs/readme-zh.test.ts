// README.zh-CN.md tells the same story as README.md: the same two set-up commands, and only
// examples the English README has too (so neither drifts into commands that do not exist).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const REPO = join(import.meta.dirname, '..', '..', '..')
const read = (name: string): string => readFileSync(join(REPO, name), 'utf8')

/** The commands of each ```sh block, without their comments. */
function shBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    (m[1] ?? '')
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean),
  )
}

describe('README.zh-CN.md', () => {
  const english = shBlocks(read('README.md'))
  const chinese = shBlocks(read('README.zh-CN.md'))

  it('starts with the same two commands as README.md', () => {
    expect(chinese[0]).toEqual(['sudo ./scripts/demo.sh', 'sudo npm test'])
    expect(chinese[0]).toEqual(english[0])
  })

  it('shows only examples that README.md shows too', () => {
    const known = new Set(english.flat())
    for (const line of chinese.flat()) expect(known, line).toContain(line)
  })
})
