// House rules for the built-in shell elements, checked on the files themselves: script headers,
// modes and names, environment.d files, READMEs, sorted element-deps, the block-device layouts
// and package-installs conditions that must never meet an unset variable.
import { existsSync, readdirSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ELEMENTS, HOST_OS, DIB_RUN_PARTS, REPO } from './elements-shell-fixture.ts'

/** Every element imagewright ships, read from elements/ so a new one is checked from its first commit. */
const SHIPPED_ELEMENTS = readdirSync(ELEMENTS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()
const ELEMENT_DIRS = [...SHIPPED_ELEMENTS.map((name) => join(ELEMENTS, name)), HOST_OS]

const TRACE_LINE = 'if [ "${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then'
const SCRIPT_NAME = /^[0-9A-Za-z_-]+$/
const ENV_NAME = /^[0-9A-Za-z_.-]+$/

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}

/** Every hook script and bin/ helper of the elements, plus libexec/dib-run-parts. */
async function shellScripts(): Promise<string[]> {
  const scripts = [DIB_RUN_PARTS]
  for (const element of ELEMENT_DIRS) {
    for (const part of await entries(element)) {
      // environment.d files are sourced; init.d holds fragments of a ramdisk's /init; binary-deps.d,
      // udev.d and modprobe.d (the modprobe element copies it into /etc/modprobe.d) are data.
      const data = ['environment.d', 'init.d', 'binary-deps.d', 'udev.d', 'modprobe.d']
      if (data.includes(part)) continue
      if (!part.endsWith('.d') && part !== 'bin') continue
      for (const name of await entries(join(element, part))) scripts.push(join(element, part, name))
    }
  }
  return scripts
}

async function environmentFiles(): Promise<string[]> {
  const files: string[] = []
  for (const element of ELEMENT_DIRS) {
    for (const name of await entries(join(element, 'environment.d'))) {
      files.push(join(element, 'environment.d', name))
    }
  }
  return files
}

/** Problems with one script's text, as short descriptions. */
function scriptProblems(text: string): string[] {
  const lines = text.split('\n')
  const problems: string[] = []
  if (lines[0] !== '#!/bin/bash') problems.push('first line is not #!/bin/bash')
  const code = lines.filter((line) => !line.trimStart().startsWith('#'))
  const firstCommands = code.filter((line) => line.trim() !== '').slice(0, 5)
  const expected = [TRACE_LINE, '    set -x', 'fi', 'set -eu', 'set -o pipefail']
  if (firstCommands.join('\n') !== expected.join('\n')) {
    problems.push(
      `does not start with the trace/set -eu/pipefail header: ${JSON.stringify(firstCommands)}`,
    )
  }
  if (text.includes('\t')) problems.push('contains a tab')
  for (const line of code) {
    if (/(^|[;&|(`]\s*|\$\(\s*)which\s/.test(line)) problems.push(`uses which: ${line.trim()}`)
    if (/\bexport\s+\w+=\$\(/.test(line)) problems.push(`export X=$(...): ${line.trim()}`)
    const indent = /^( *)/.exec(line)?.[1]?.length ?? 0
    if (indent % 4 !== 0 && !/^\s*[|&]/.test(line)) problems.push(`odd indent: ${line}`)
  }
  return problems
}

describe('built-in shell element scripts', () => {
  it('finds the scripts it checks', async () => {
    const scripts = (await shellScripts()).map((path) => relative(REPO, path))
    expect(scripts.length).toBeGreaterThanOrEqual(20)
    expect(scripts).toEqual(
      expect.arrayContaining([
        'libexec/dib-run-parts',
        'elements/dpkg/bin/install-packages',
        'elements/bootloader/finalise.d/50-bootloader',
        'test/fixtures/elements/host-os/root.d/10-host-os-root',
      ]),
    )
  })

  it('have the header, no tabs, no which, 4-space indents', async () => {
    const failures: string[] = []
    for (const path of await shellScripts()) {
      for (const problem of scriptProblems(await readFile(path, 'utf8'))) {
        failures.push(`${relative(REPO, path)}: ${problem}`)
      }
    }
    expect(failures).toEqual([])
  })

  it('are executable and named like hooks', async () => {
    const failures: string[] = []
    for (const path of await shellScripts()) {
      const info = await stat(path)
      if (!info.isFile() || (info.mode & 0o111) !== 0o111)
        failures.push(`${relative(REPO, path)}: not an executable file`)
      const name = path.split('/').at(-1) ?? ''
      if (!SCRIPT_NAME.test(name)) failures.push(`${relative(REPO, path)}: name would be skipped`)
    }
    expect(failures).toEqual([])
  })

  it('the checker itself rejects a bad script', () => {
    expect(scriptProblems('#!/bin/sh\nset -e\n\tfoo=$(which bar)\n')).toHaveLength(4)
    expect(
      scriptProblems(
        `#!/bin/bash\n# why\n${TRACE_LINE}\n    set -x\nfi\nset -eu\nset -o pipefail\n`,
      ),
    ).toEqual([])
  })
})

describe('built-in environment.d files', () => {
  it('are not executable, never trace, and have valid names', async () => {
    const files = await environmentFiles()
    expect(files.length).toBeGreaterThanOrEqual(7)
    const failures: string[] = []
    for (const path of files) {
      const where = relative(REPO, path)
      if (((await stat(path)).mode & 0o111) !== 0) failures.push(`${where}: executable`)
      const text = await readFile(path, 'utf8')
      if (/^\s*set -x/m.test(text)) failures.push(`${where}: set -x`)
      if (text.includes('\t')) failures.push(`${where}: tab`)
      if (/\bexport\s+\w+=\$\(/.test(text)) failures.push(`${where}: export X=$(...)`)
      if (!ENV_NAME.test(path.split('/').at(-1) ?? '')) failures.push(`${where}: bad name`)
    }
    expect(failures).toEqual([])
  })
})

describe('built-in element metadata', () => {
  it('every element has a README.rst with its name as title', async () => {
    for (const element of ELEMENT_DIRS) {
      const name = element.split('/').at(-1) ?? ''
      const readme = await readFile(join(element, 'README.rst'), 'utf8')
      expect(readme.split('\n').slice(0, 3)).toEqual([
        '='.repeat(name.length),
        name,
        '='.repeat(name.length),
      ])
    }
  })

  it('element-deps files are sorted and free of duplicates and comments', async () => {
    for (const element of ELEMENT_DIRS) {
      const text = await readFile(join(element, 'element-deps'), 'utf8').catch(() => undefined)
      if (text === undefined) continue
      const deps = text.split('\n').filter((line) => line.trim() !== '')
      expect([...new Set(deps)].sort(), element).toEqual(deps)
      expect(
        deps.some((dep) => dep.startsWith('#')),
        element,
      ).toBe(false)
    }
  })

  it('OS and block-device elements provide the virtual names', async () => {
    for (const [element, provided] of [
      ['debian-minimal', 'operating-system'],
      ['block-device-mbr', 'block-device'],
      ['block-device-gpt', 'block-device'],
      ['block-device-efi', 'block-device'],
    ] as const) {
      expect(await readFile(join(ELEMENTS, element, 'element-provides'), 'utf8')).toBe(
        `${provided}\n`,
      )
    }
  })
})

type Node = Record<string, unknown>

/** Flatten a block-device tree into its single-key plugin entries. */
function plugins(config: unknown, found: [string, Node][] = []): [string, Node][] {
  if (Array.isArray(config)) {
    for (const item of config) plugins(item, found)
  } else if (config && typeof config === 'object') {
    for (const [key, value] of Object.entries(config as Node)) {
      if (['local_loop', 'partitioning', 'mkfs', 'mount', 'fstab'].includes(key)) {
        found.push([key, value as Node])
      }
      if (value && typeof value === 'object') plugins(value, found)
    }
  }
  return found
}

async function layout(kind: string): Promise<{ partitions: Node[]; all: [string, Node][] }> {
  const text = await readFile(
    join(ELEMENTS, `block-device-${kind}`, 'block-device-default.yaml'),
    'utf8',
  )
  const config: unknown = parse(text)
  const all = plugins(config)
  const partitioning = all.find(([key]) => key === 'partitioning')?.[1]
  return { partitions: (partitioning?.['partitions'] as Node[] | undefined) ?? [], all }
}

describe('block-device default layouts', () => {
  it.each(['mbr', 'gpt', 'efi'])(
    '%s leaves the root filesystem type and label to the build',
    async (kind) => {
      const { all } = await layout(kind)
      const roots = all.filter(([key, node]) => key === 'mkfs' && node['name'] === 'mkfs_root')
      expect(roots).toHaveLength(1)
      const [, mkfsRoot] = roots[0] ?? ['', {}]
      expect(mkfsRoot['type']).toBeUndefined()
      expect(mkfsRoot['label']).toBeUndefined()
      const mount = mkfsRoot['mount'] as Node
      expect(mount['mount_point']).toBe('/')
      expect((mount['fstab'] as Node)['fsck-passno']).toBe(1)
      expect(all.find(([key]) => key === 'local_loop')?.[1]).toEqual({ name: 'image0' })
    },
  )

  it('mbr has one bootable primary partition over the whole disk', async () => {
    const { partitions } = await layout('mbr')
    expect(partitions).toHaveLength(1)
    expect(partitions[0]).toMatchObject({ name: 'root', size: '100%', flags: ['boot', 'primary'] })
  })

  it('gpt has a BIOS boot partition before the root', async () => {
    const { partitions } = await layout('gpt')
    expect(partitions.map((p) => [p['name'], p['type'], p['size']])).toEqual([
      ['BSP', 'EF02', '8MiB'],
      ['root', '8300', '100%'],
    ])
  })

  it('efi has an ESP, a BIOS boot partition and the root', async () => {
    const { partitions } = await layout('efi')
    expect(partitions.map((p) => [p['name'], p['type'], p['size']])).toEqual([
      ['ESP', 'EF00', '550MiB'],
      ['BSP', 'EF02', '8MiB'],
      ['root', '8300', '100%'],
    ])
    const esp = partitions[0]?.['mkfs'] as Node
    expect(esp['type']).toBe('vfat')
    expect((esp['mount'] as Node)['mount_point']).toBe('/boot/efi')
  })
})

describe('package-installs conditions', () => {
  // package-installs stops the build on a `when` naming an unset variable, so every variable an
  // element tests must get a default in that element's environment.d.
  const withConditions = SHIPPED_ELEMENTS.filter((name) =>
    existsSync(join(ELEMENTS, name, 'package-installs.yaml')),
  )
  it('finds the elements with package-installs.yaml', () => {
    expect(withConditions).toEqual(expect.arrayContaining(['base', 'bootloader', 'debootstrap']))
  })

  it.each(withConditions)('%s defaults every variable it tests', async (element) => {
    const spec = parse(
      await readFile(join(ELEMENTS, element, 'package-installs.yaml'), 'utf8'),
    ) as Record<string, unknown>
    const conditions: string[] = []
    for (const params of Object.values(spec)) {
      for (const item of Array.isArray(params) ? params : [params ?? {}]) {
        const when = (item as Node)['when']
        if (typeof when === 'string') conditions.push(when)
        else if (Array.isArray(when)) conditions.push(...(when as string[]))
      }
    }
    let defaults = ''
    for (const name of await entries(join(ELEMENTS, element, 'environment.d'))) {
      defaults += await readFile(join(ELEMENTS, element, 'environment.d', name), 'utf8')
    }
    for (const condition of conditions) {
      const variable = /^(\w+)\s*!?=/.exec(condition)?.[1] ?? condition
      expect(defaults, `${element}: ${condition}`).toMatch(new RegExp(`export ${variable}=`))
    }
  })
})
