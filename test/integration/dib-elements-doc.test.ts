// docs/dib-elements.md must list every element of DIB's installed tree (python3-diskimage-builder,
// a test package), each with a known status, and name an existing test where it claims proof.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO } from './elements-shell-fixture.ts'

const DIB_ELEMENTS = '/usr/lib/python3/dist-packages/diskimage_builder/elements'
const STATUSES = [
  "runs from DIB's tree",
  'built in',
  'not proven here',
  'needs a network this machine lacks',
  'refused',
]

const installed = readdirSync(DIB_ELEMENTS)
  .filter((name) => !name.startsWith('_') && statSync(join(DIB_ELEMENTS, name)).isDirectory())
  .sort()
const rows = new Map(
  [
    ...readFileSync(join(REPO, 'docs', 'dib-elements.md'), 'utf8').matchAll(
      /^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \|$/gm,
    ),
  ].map((match) => [
    match[1] ?? '',
    { status: (match[2] ?? '').trim(), notes: (match[3] ?? '').trim() },
  ]),
)

describe('docs/dib-elements.md', () => {
  it('lists every element of the installed DIB tree, and nothing else', () => {
    expect(installed.length).toBeGreaterThan(100)
    expect([...rows.keys()].sort()).toEqual(installed)
  })

  it('gives each one a known status and a reason', () => {
    for (const [name, row] of rows) {
      expect(STATUSES, name).toContain(row.status)
      expect(row.notes.length, name).toBeGreaterThan(10)
    }
  })

  it("marks as built in exactly the DIB elements imagewright ships and has not proven from DIB's tree", () => {
    const builtIn = new Set(readdirSync(join(REPO, 'elements')))
    for (const [name, row] of rows) {
      if (row.status === 'built in') expect(builtIn.has(name), name).toBe(true)
      if (builtIn.has(name))
        expect(['built in', "runs from DIB's tree"], name).toContain(row.status)
    }
  })

  it("names a test file that exists for every element it says runs from DIB's tree", () => {
    for (const [name, row] of rows) {
      if (row.status !== "runs from DIB's tree") continue
      const file = /`([\w.-]+\.test\.ts)`/.exec(row.notes)?.[1]
      expect(file, name).toBeDefined()
      expect(existsSync(join(REPO, 'test', 'system', file ?? '')), name).toBe(true)
      expect(
        readFileSync(join(REPO, 'test', 'system', file ?? ''), 'utf8').includes(DIB_ELEMENTS),
        name,
      ).toBe(true)
    }
  })
})
