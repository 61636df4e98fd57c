// svc-map: every element may ship a top-level `svc-map` YAML file mapping a service name (the
// name a source install uses) to per-distro names: `{<distro>: name, <family>: name, default:
// name}`. All files are merged (a service defined twice is an error, wherever it comes from)
// and resolved for DISTRO_NAME; a service with no matching key keeps its own name.
import { ConfigError } from '../../errors.ts'
import { describeType, isPlainObject } from '../data-file.ts'
import { findDistroFamily } from '../families.ts'

export interface ServiceMapSource {
  readonly element: string
  readonly file: string
  readonly data: unknown
}

export interface ResolvedService {
  readonly name: string
  readonly mapped: string
  readonly element: string
}

// Written into a YAML file read line by line by bash: keep names to plain unit-name characters.
const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]*$/

export function mergeServiceMaps(
  sources: readonly ServiceMapSource[],
  distro: string | undefined,
): ResolvedService[] {
  const family = findDistroFamily(distro)
  const services = new Map<string, ResolvedService>()
  for (const source of sources) {
    if (source.data === null || source.data === undefined) continue
    if (!isPlainObject(source.data)) {
      throw new ConfigError(
        `Cannot read svc-map "${source.file}": expected a map of service names, found ${describeType(source.data)}`,
      )
    }
    for (const [name, mapping] of Object.entries(source.data)) {
      checkServiceName(name, source.file)
      const earlier = services.get(name)
      if (earlier !== undefined) {
        throw new ConfigError(
          `Cannot merge svc-map "${source.file}": service "${name}" is already defined by element "${earlier.element}"`,
          { hint: 'Each service may be mapped by one element only; remove one of the definitions' },
        )
      }
      const mapped = pickMapping(name, mapping, { distro, family, file: source.file })
      services.set(name, { name, mapped, element: source.element })
    }
  }
  return [...services.values()]
}

interface PickContext {
  readonly distro: string | undefined
  readonly family: string | undefined
  readonly file: string
}

function pickMapping(name: string, mapping: unknown, ctx: PickContext): string {
  if (mapping === null || mapping === undefined) return name
  if (!isPlainObject(mapping)) {
    throw new ConfigError(
      `Cannot read svc-map "${ctx.file}": service "${name}" must map to {<distro>: name, <family>: name, default: name}, found ${describeType(mapping)}`,
    )
  }
  const key = [ctx.distro, ctx.family, 'default'].find(
    (candidate) => candidate !== undefined && Object.hasOwn(mapping, candidate),
  )
  if (key === undefined) return name
  const mapped = mapping[key]
  if (typeof mapped !== 'string') {
    throw new ConfigError(
      `Cannot read svc-map "${ctx.file}": service "${name}" maps "${key}" to ${describeType(mapped)}; expected a service name`,
    )
  }
  checkServiceName(mapped, ctx.file)
  return mapped
}

function checkServiceName(name: string, file: string): void {
  if (!SERVICE_NAME.test(name)) {
    throw new ConfigError(`Cannot read svc-map "${file}": "${name}" is not a usable service name`)
  }
}

/** The services file: YAML, one `name: mapped` line per service, sorted by name. */
export function formatServices(
  services: readonly ResolvedService[],
  distro: string | undefined,
): string {
  const header = `# Service names resolved for DISTRO_NAME=${distro ?? ''} (written by svc-map-merge)\n`
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return header + sorted.map((service) => `${service.name}: ${service.mapped}\n`).join('')
}
