// /etc/fstab for the image: one line per mount that has an fstab node, in mount order. DIB
// always writes LABEL=; UUID= is offered for images whose labels may clash with other disks.
import { listMounts } from '../config/getval.ts'
import type { ResolvedIdentities } from './identities.ts'
import type { FstabNode, MkfsNode } from '../config/node-types.ts'
import type { BlockDevicePlan } from '../config/plan.ts'

export type FstabIdentifier = 'label' | 'uuid'

export interface FstabEntry {
  readonly spec: string
  readonly mountPoint: string
  readonly fstype: string
  readonly options: string
  readonly dumpFreq: number
  readonly fsckPassno: number
}

export function listFstabEntries(
  plan: BlockDevicePlan,
  identities: Pick<ResolvedIdentities, 'filesystems'>,
  by: FstabIdentifier = 'label',
): FstabEntry[] {
  const fstabByMount = new Map<string, FstabNode>()
  for (const node of plan.nodes) if (node.kind === 'fstab') fstabByMount.set(node.base, node)
  return listMounts(plan).flatMap((mount): FstabEntry[] => {
    const fstab = fstabByMount.get(mount.name)
    const fs = plan.byName.get(mount.base)
    if (!fstab || fs?.kind !== 'mkfs') return []
    const spec = describeSpec(fs, identities.filesystems.get(fs.name), by)
    if (fs.type === 'swap') {
      // swap is never mounted or checked, whatever the config says (as DIB forces it)
      return [
        { spec, mountPoint: 'none', fstype: 'swap', options: 'sw', dumpFreq: 0, fsckPassno: 0 },
      ]
    }
    return [
      {
        spec,
        mountPoint: mount.mountPoint,
        fstype: fs.type,
        options: fstab.options,
        dumpFreq: fstab.dumpFreq,
        fsckPassno: fstab.fsckPassno,
      },
    ]
  })
}

/** The fstab file text (empty when no mount has an fstab node). */
export function buildFstab(
  plan: BlockDevicePlan,
  identities: Pick<ResolvedIdentities, 'filesystems'>,
  by: FstabIdentifier = 'label',
): string {
  return listFstabEntries(plan, identities, by)
    .map(
      (entry) =>
        [
          entry.spec,
          entry.mountPoint,
          entry.fstype,
          entry.options,
          String(entry.dumpFreq),
          String(entry.fsckPassno),
        ]
          .map(escapeField)
          .join(' ') + '\n',
    )
    .join('')
}

function describeSpec(fs: MkfsNode, uuid: string | undefined, by: FstabIdentifier): string {
  return by === 'uuid' && uuid !== undefined ? `UUID=${uuid}` : `LABEL=${fs.label}`
}

// fstab(5): white space inside a field is written as an octal escape.
function escapeField(field: string): string {
  return field.replace(
    /[\\ \t\n]/g,
    (char) => `\\${char.charCodeAt(0).toString(8).padStart(3, '0')}`,
  )
}
