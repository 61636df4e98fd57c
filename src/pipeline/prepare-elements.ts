// Elements → the merged hooks tree: discover on ELEMENTS_PATH (built-ins last), add DIB's
// implicit elements, resolve deterministically, merge, and add our helper commands.
import { chmod, copyFile, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type BuiltinElement, visibleBuiltins } from '../elements/builtins-view.ts'
import { discoverElements, listElementDirs } from '../elements/discover.ts'
import { buildHooksTree, type HooksTree } from '../elements/hooks-tree.ts'
import { defaultProviders, withImplicitElements } from '../elements/implicit-elements.ts'
import { resolveElements, type ResolvedElements } from '../elements/resolve.ts'
import type { Reporter } from '../report/events.ts'
import { HELPERS_IN_HOOKS } from '../phases/run-hook.ts'
import type { BuildOptions } from '../config/build-options.ts'
import { BUILTIN_ELEMENTS_DIR, LIBEXEC_DIR } from '../util/package-paths.ts'

export interface PreparedElements {
  readonly searchPath: readonly string[]
  readonly resolved: ResolvedElements
  /** Built-in elements no earlier search path entry replaces (what hooks may still see). */
  readonly builtins: readonly BuiltinElement[]
}

export async function resolveBuildElements(
  options: Pick<BuildOptions, 'elements' | 'elementsPath' | 'skipBase' | 'arch'>,
  reporter: Reporter,
  /** false where the operating system is already there (customize's --element). */
  requireOperatingSystem = true,
): Promise<PreparedElements> {
  const searchPath = [...options.elementsPath, BUILTIN_ELEMENTS_DIR]
  const catalog = await discoverElements(searchPath)
  for (const override of catalog.overrides) {
    reporter.emit({
      kind: 'warning',
      message: `Element "${override.name}" at ${override.usedPath} overrides ${override.ignoredPath}`,
    })
  }
  const requested = withImplicitElements(options.elements, {
    skipBase: options.skipBase,
    arch: options.arch,
  })
  const resolved = resolveElements(requested, catalog, {
    defaultProviders: defaultProviders(options.arch),
    requireOperatingSystem,
  })
  const builtins = visibleBuiltins(catalog, await listElementDirs(BUILTIN_ELEMENTS_DIR))
  return { searchPath, resolved, builtins }
}

/** Merge the hooks tree and put dib-run-parts & co. where scripts expect them. */
export async function stageHooks(elements: PreparedElements, hooksDir: string): Promise<HooksTree> {
  const tree = await buildHooksTree(elements.resolved.elements, hooksDir)
  const helpers = join(hooksDir, HELPERS_IN_HOOKS)
  await mkdir(helpers, { recursive: true })
  for (const entry of await readdir(LIBEXEC_DIR, { withFileTypes: true })) {
    // Sub-directories hold host-only tools (HOST_TOOLS_DIR); the chroot gets plain files.
    if (!entry.isFile()) continue
    const name = entry.name
    await copyFile(join(LIBEXEC_DIR, name), join(helpers, name))
    await chmod(join(helpers, name), 0o755)
  }
  // DIB copies dib-run-parts into the hooks tree; elements call it by that path.
  await copyFile(join(LIBEXEC_DIR, 'dib-run-parts'), join(hooksDir, 'dib-run-parts'))
  await chmod(join(hooksDir, 'dib-run-parts'), 0o755)
  return tree
}
