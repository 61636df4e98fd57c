// The import-layer rule of eslint.config.js: it lets imports point down, stops peers and upward
// imports, and knows every folder of src/.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { RuleTester } from 'eslint'
import { describe, expect, it } from 'vitest'
import { EXCEPTIONS, LAYERS, ROOMS, layersRule } from '../../../scripts/lint/layers.js'

const SRC = join(import.meta.dirname, '..', '..', '..', 'src')
RuleTester.describe = describe
RuleTester.it = it

const at = (path: string): string => join(SRC, path)

new RuleTester({ languageOptions: { sourceType: 'module' } }).run('layers', layersRule, {
  valid: [
    { code: "import { run } from '../exec/run.ts'", filename: at('pipeline/disk.ts') },
    { code: "import { x } from './sibling.ts'", filename: at('blockdevice/config/plan.ts') },
    {
      code: "import { plan } from '../config/plan.ts'",
      filename: at('blockdevice/run/create.ts'),
    },
    { code: "export * from '../errors.ts'", filename: at('util/size.ts') },
    { code: "import { x } from 'yaml'", filename: at('util/size.ts') },
    { code: "import { x } from '../src/cli/main.ts'", filename: join(SRC, '..', 'test', 'a.ts') },
  ],
  invalid: [
    {
      code: "import { main } from '../cli/imagewright-main.ts'",
      filename: at('pipeline/disk.ts'),
      errors: [
        { message: 'pipeline/ (layer 9) must not import cli/ (layer 11): dependencies point down' },
      ],
    },
    {
      code: "export { plan } from '../blockdevice/plan.ts'",
      filename: at('output/produce.ts'),
      errors: [{ message: /peer domains/ }],
    },
    {
      code: "import { create } from '../run/create.ts'",
      filename: at('blockdevice/layout/disk-layout.ts'),
      errors: [
        {
          message:
            'blockdevice/layout/ (room 2) must not import blockdevice/run/ (room 3): dependencies point down',
        },
      ],
    },
    {
      code: "import { x } from '../attic/x.ts'",
      filename: at('blockdevice/run/create.ts'),
      errors: [{ message: /src\/blockdevice\/attic has no room/ }],
    },
    {
      code: "const m = import('../report/events.ts')",
      filename: at('util/size.ts'),
      errors: [{ message: /must not import report/ }],
    },
    {
      code: "import { x } from '../errors.ts'",
      filename: at('brand-new/thing.ts'),
      errors: [{ message: /src\/brand-new has no layer/ }],
    },
  ],
})

describe('the layer table', () => {
  it('places every folder and top-level file of src/ exactly once', () => {
    const placed = LAYERS.flat()
    expect(new Set(placed).size).toBe(placed.length)
    expect([...placed].sort()).toEqual(readdirSync(SRC).sort())
  })

  it('places every entry of a domain with rooms in exactly one room', () => {
    for (const [domain, rooms] of Object.entries(ROOMS)) {
      const placed = rooms.flat()
      expect(new Set(placed).size).toBe(placed.length)
      expect([...placed].sort(), domain).toEqual(readdirSync(join(SRC, domain)).sort())
    }
  })

  it('is the table docs/architecture.md shows', () => {
    const doc = readFileSync(join(SRC, '..', 'docs', 'architecture.md'), 'utf8')
    const rows = [...doc.matchAll(/^\| +(\d+) \| ([^|]+) \|/gm)].map((row) => ({
      layer: Number(row[1]),
      names: [...(row[2] ?? '').matchAll(/`([a-z.-]+)\/?`/g)].map((name) => name[1]),
    }))
    expect(rows.sort((a, b) => a.layer - b.layer).map((row) => row.names)).toEqual(LAYERS)
  })

  it('keeps its exceptions pointing at files that exist', () => {
    for (const { from, to } of EXCEPTIONS) {
      expect(existsSync(join(SRC, from)), from).toBe(true)
      expect(existsSync(join(SRC, to)), to).toBe(true)
    }
  })
})
