// The layer order of src/, as an ESLint rule: a module may import its own folder and folders on
// lower layers, never a folder on its own layer or above. Peer domains (blockdevice, output, …)
// talk through the orchestrator, not to each other. A folder missing from LAYERS is an error, so
// a new domain gets a place in the order when it is created. Large domains are split into rooms
// (ROOMS) that follow the same rule one level down.
import { dirname, relative, resolve, sep } from 'node:path'

/** Lowest first; docs/architecture.md says what each layer holds. */
export const LAYERS = [
  ['errors.ts'],
  ['util'],
  ['report', 'config'],
  ['exec'],
  ['host'],
  ['chroot'],
  ['elements', 'element-tools', 'blockdevice', 'hygiene', 'output', 'boot', 'inventory', 'sbom'],
  // Running hooks: lists a phase's scripts and environment.d from the merged element tree.
  ['phases'],
  ['cache'],
  ['pipeline', 'doctor'],
  ['farm', 'customize'],
  ['cli'],
]

/**
 * Rooms inside a domain, lowest first: a room may import its own room and the rooms below it.
 * A file or folder of the domain missing from its rooms is an error, as for LAYERS.
 */
export const ROOMS = {
  // filesystems.ts: the filesystem table; config: YAML → checked graph; layout: pure disk
  // geometry; run: host work; state: dib-block-device across processes.
  // assemble: sizing the image, checking space, copying the tree onto the mounted filesystems.
  blockdevice: [['filesystems.ts'], ['config'], ['layout'], ['run'], ['state', 'assemble']],
}

/**
 * Imports that break the order today, each with its reason; `from` and `to` are paths under src/.
 * Keep this list short and shrinking.
 */
export const EXCEPTIONS = []

const SRC = resolve(import.meta.dirname, '../../src')
const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((name) => [name, layer])))

/** The top-level folder (or file, for errors.ts) of a path under src/, or undefined outside it. */
function domainOf(path) {
  const rel = relative(SRC, path)
  if (rel.startsWith('..') || rel === '') return undefined
  return rel.split(sep)[0]
}

/** The room (second path segment) of a path inside a domain that has rooms. */
function roomOf(path) {
  return relative(SRC, path).split(sep)[1]
}

function roomProblem(domain, importer, target) {
  const rooms = ROOMS[domain]
  if (rooms === undefined) return undefined
  const from = roomOf(importer)
  const to = roomOf(target)
  if (from === to) return undefined
  const layer = new Map(rooms.flatMap((names, index) => names.map((name) => [name, index])))
  for (const name of [from, to]) {
    if (!layer.has(name))
      return `src/${domain}/${name} has no room: add it to ROOMS.${domain} in scripts/lint/layers.js`
  }
  const a = layer.get(from)
  const b = layer.get(to)
  if (b < a) return undefined
  return b === a
    ? `${domain}/${from}/ and ${domain}/${to}/ are peer rooms: move shared code down`
    : `${domain}/${from}/ (room ${a}) must not import ${domain}/${to}/ (room ${b}): dependencies point down`
}

function problem(importer, target) {
  const from = domainOf(importer)
  const to = domainOf(target)
  if (from === undefined || to === undefined) return undefined
  if (from === to) return roomProblem(from, importer, target)
  const rel = (path) => relative(SRC, path).split(sep).join('/')
  if (EXCEPTIONS.some((e) => e.from === rel(importer) && e.to === rel(target))) return undefined
  for (const name of [from, to]) {
    if (!layerOf.has(name))
      return `src/${name} has no layer: add it to LAYERS in scripts/lint/layers.js`
  }
  const a = layerOf.get(from)
  const b = layerOf.get(to)
  if (b < a) return undefined
  return b === a
    ? `${from}/ and ${to}/ are peer domains: pass data through the layer above, or move shared code down`
    : `${from}/ (layer ${a}) must not import ${to}/ (layer ${b}): dependencies point down`
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layer order of src/' },
    schema: [],
  },
  create(context) {
    const check = (node) => {
      const source = node.source
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return
      if (!source.value.startsWith('.')) return
      const target = resolve(dirname(context.filename), source.value)
      const message = problem(context.filename, target)
      if (message !== undefined) context.report({ node: source, message })
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    }
  },
}
