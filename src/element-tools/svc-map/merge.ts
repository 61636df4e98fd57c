// svc-map: every element may ship a top-level `svc-map` YAML file mapping a service name (the
// name a source install uses) to per-distro names: `{<distro>: name, <family>: name, default:
// name}`. All files are merged (a service defined twice is an error, wherever it comes from)
// and resolved for DISTRO_NAME; a service with no matching key keeps its own name.
import * as v from 'valibot'
import { ConfigError } from '../../errors.ts'
import { parseAt, Positions } from '../../util/positions.ts'
import { describeType, isPlainObject } from '../data-file.ts'
import { findDistroFamily } from '../families.ts'

export interface ServiceMapSource {
  readonly element: string
  readonly file: string
  readonly data: unknown
  /** Where the data's values are in the file's text, for file:line:col in messages. */
  readonly positions?: Positions
}

export interface ResolvedService {
  readonly name: string
  readonly mapped: string
  readonly element: string
}

// Written into a YAML file read line by line by bash: keep names to plain unit-name characters.
const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$/

const SERVICE = v.pipe(
  v.string(),
  v.regex(SERVICE_NAME, (issue) => `"${String(issue.input)}" is not a usable service name`),
)

/** A file: service name → nothing, or {<distro>: name, <family>: name, default: name}. */
const SERVICE_MAP = v.record(
  SERVICE,
  v.nullish(
    v.custom<Record<string, unknown>>(
      isPlainObject,
      (issue) =>
        `service must map to {<distro>: name, <family>: name, default: name}, found ${describeType(issue.input)}`,
    ),
  ),
)

export function mergeServiceMaps(
  sources: readonly ServiceMapSource[],
  distro: string | undefined,
): ResolvedService[] {
  const family = findDistroFamily(distro)
  const services = new Map<string, ResolvedService>()
  for (const source of sources) {
    if (source.data === null || source.data === undefined) continue
    const positions = source.positions ?? Positions.none(source.file)
    if (!isPlainObject(source.data)) {
      throw new ConfigError(
        `${positions.where([])}: Cannot read svc-map: expected a map of service names, found ${describeType(source.data)}`,
      )
    }
    const file = parseAt(SERVICE_MAP, source.data, [], positions, 'Cannot read svc-map: ')
    for (const [name, mapping] of Object.entries(file)) {
      const earlier = services.get(name)
      if (earlier !== undefined) {
        throw new ConfigError(
          `${positions.whereKey([name])}: Cannot merge svc-map: service "${name}" is already defined by element "${earlier.element}"`,
          { hint: 'Each service may be mapped by one element only; remove one of the definitions' },
        )
      }
      const key = [distro, family, 'default'].find(
        (candidate) =>
          candidate !== undefined && mapping != null && Object.hasOwn(mapping, candidate),
      )
      const mapped =
        key === undefined || mapping == null
          ? name
          : parseAt(
              MAPPED(name, key),
              mapping[key],
              [name, key],
              positions,
              'Cannot read svc-map: ',
            )
      services.set(name, { name, mapped, element: source.element })
    }
  }
  return [...services.values()]
}

const MAPPED = (name: string, key: string): v.GenericSchema<unknown, string> =>
  v.pipe(
    v.custom<string>(
      (value) => typeof value === 'string',
      (issue) =>
        `service "${name}" maps "${key}" to ${describeType(issue.input)}; expected a service name`,
    ),
    SERVICE,
  )

/** The services file: YAML, one `name: mapped` line per service, sorted by name. */
export function formatServices(
  services: readonly ResolvedService[],
  distro: string | undefined,
): string {
  const header = `# Service names resolved for DISTRO_NAME=${distro ?? ''} (written by svc-map-merge)\n`
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return header + sorted.map((service) => `${service.name}: ${service.mapped}\n`).join('')
}
