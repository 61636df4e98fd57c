// Stage one and two of reading a block-device config: split the YAML list into plugin entries,
// then flatten DIB's tree notation (plugins nested in plugins) into the flat graph notation.
import { configErrorAt, originAt, type ConfigOrigin, type ConfigSource } from './config-source.ts'

export const PLUGIN_NAMES = ['local_loop', 'partitioning', 'lvm', 'mkfs', 'mount', 'fstab'] as const
export type PluginName = (typeof PLUGIN_NAMES)[number]

export type ConfigMap = Readonly<Record<string, unknown>>

/** One entry of the graph notation: a plugin with its own keys, nested plugins removed. */
export interface ConfigEntry {
  readonly plugin: PluginName
  readonly config: ConfigMap
  readonly origin: ConfigOrigin
}

export function isPluginName(key: string): key is PluginName {
  return (PLUGIN_NAMES as readonly string[]).includes(key)
}

export function isConfigMap(value: unknown): value is ConfigMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The top-level list, each item checked to be a single-key map naming a known plugin. */
export function readConfigEntries(source: ConfigSource): ConfigEntry[] {
  const root: ConfigOrigin = { source, path: [] }
  const data = source.data
  if (!Array.isArray(data) || data.length === 0) {
    throw configErrorAt(
      root,
      'Cannot read block-device config: expected a non-empty list of plugin entries',
    )
  }
  return data.map((item: unknown, index) => {
    const origin = originAt(root, index)
    if (!isConfigMap(item) || Object.keys(item).length !== 1) {
      const keys = isConfigMap(item)
        ? Object.keys(item)
            .map((key) => `"${key}"`)
            .join(', ')
        : ''
      throw configErrorAt(
        origin,
        `Cannot read config entry: each entry must be a map with a single plugin key${keys ? `, found ${keys}` : ''}`,
      )
    }
    const [plugin = '', value] = Object.entries(item)[0] ?? []
    if (!isPluginName(plugin)) {
      throw configErrorAt(
        origin,
        `Cannot read config entry: "${plugin}" is not a block-device plugin (known: ${PLUGIN_NAMES.join(', ')})`,
      )
    }
    const pluginOrigin = originAt(origin, plugin)
    if (!isConfigMap(value))
      throw configErrorAt(pluginOrigin, `Cannot read "${plugin}": expected a map of keys`)
    return { plugin, config: value, origin: pluginOrigin }
  })
}

/**
 * Tree notation to graph notation. A plugin nested in an entry gets `base` = the parent's name
 * and `name` = `<plugin>_<base>` unless given; plugins nested in partition (and lvs) items take
 * that item's name as base, and partitions take the partitioning's base. Parents come before
 * their children, so config order stays meaningful for tie-breaking later.
 */
export function flattenConfigTree(entries: readonly ConfigEntry[]): ConfigEntry[] {
  return entries.flatMap((entry) =>
    flattenEntry(entry.plugin, entry.config, entry.origin, undefined),
  )
}

function flattenEntry(
  plugin: PluginName,
  config: ConfigMap,
  origin: ConfigOrigin,
  parentName: string | undefined,
): ConfigEntry[] {
  const own: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(config)) if (!isPluginName(key)) own[key] = value
  if (own['base'] === undefined && parentName !== undefined) own['base'] = parentName
  const base = own['base']
  if (own['name'] === undefined && typeof base === 'string') own['name'] = `${plugin}_${base}`
  const name = typeof own['name'] === 'string' ? own['name'] : undefined

  const children: ConfigEntry[] = []
  if (plugin === 'partitioning' && Array.isArray(config['partitions'])) {
    own['partitions'] = config['partitions'].map((item: unknown, index) =>
      flattenItem(
        item,
        originAt(origin, 'partitions', index),
        children,
        typeof base === 'string' ? base : undefined,
      ),
    )
  }
  if (plugin === 'lvm' && Array.isArray(config['lvs'])) {
    own['lvs'] = config['lvs'].map((item: unknown, index) =>
      flattenItem(item, originAt(origin, 'lvs', index), children, undefined),
    )
  }
  for (const [key, value] of Object.entries(config)) {
    if (isPluginName(key)) children.push(...flattenNested(key, value, originAt(origin, key), name))
  }
  return [{ plugin, config: own, origin }, ...children]
}

// A partition or logical volume item: its nested plugins hang off the item's own name.
function flattenItem(
  item: unknown,
  origin: ConfigOrigin,
  children: ConfigEntry[],
  inheritedBase: string | undefined,
): unknown {
  if (!isConfigMap(item)) return item
  const own: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(item)) if (!isPluginName(key)) own[key] = value
  if (inheritedBase !== undefined && own['base'] === undefined) own['base'] = inheritedBase
  const name = typeof own['name'] === 'string' ? own['name'] : undefined
  for (const [key, value] of Object.entries(item)) {
    if (!isPluginName(key)) continue
    if (name === undefined) {
      throw configErrorAt(
        origin,
        `Cannot attach the nested "${key}": this item needs a "name" to be its base`,
      )
    }
    children.push(...flattenNested(key, value, originAt(origin, key), name))
  }
  return own
}

function flattenNested(
  plugin: PluginName,
  value: unknown,
  origin: ConfigOrigin,
  parentName: string | undefined,
): ConfigEntry[] {
  if (!isConfigMap(value))
    throw configErrorAt(origin, `Cannot read "${plugin}": expected a map of keys`)
  if (parentName === undefined) {
    throw configErrorAt(origin, `Cannot attach the nested "${plugin}": its parent has no "name"`)
  }
  return flattenEntry(plugin, value, origin, parentName)
}
