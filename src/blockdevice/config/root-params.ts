// The legacy root filesystem parameters (FS_TYPE, ROOT_LABEL, the computed MKFS_OPTS) fill in
// what the mkfs node named "mkfs_root" leaves unset. Unlike DIB's gpt/efi layouts, which
// hard-code ext4, a config should leave type and label out of mkfs_root so FS_TYPE and
// ROOT_LABEL reach every layout.
import { ConfigError } from '../../errors.ts'
import { configErrorAt, originAt } from './config-source.ts'
import {
  canonicalFsType,
  defaultRootLabel,
  describeLabelProblem,
  describeRootTypeProblem,
  effectiveLabel,
} from './filesystem-rules.ts'
import type { MkfsDraft, MkfsNode } from './node-types.ts'

export const ROOT_MKFS_NAME = 'mkfs_root'
export const DEFAULT_ROOT_FS_TYPE = 'ext4'

export interface RootFsParams {
  /** FS_TYPE; empty means ext4. */
  readonly rootFsType: string
  /** ROOT_LABEL; empty or absent means cloudimg-rootfs (img-rootfs for xfs). */
  readonly rootLabel?: string | undefined
  /** Extra mkfs arguments for the root filesystem (DIB's root-fs-opts). */
  readonly rootFsOpts?: readonly string[] | undefined
}

/** An mkfs node with type, label and opts decided, and its label checked for its type. */
export function settleFilesystem(draft: MkfsDraft, root: RootFsParams): MkfsNode {
  const isRoot = draft.name === ROOT_MKFS_NAME
  const rawType = draft.type ?? (isRoot ? rootFsType(root) : undefined)
  if (rawType === undefined) {
    throw configErrorAt(
      draft.origin,
      `Cannot read mkfs "${draft.name}": key "type" is required (only "${ROOT_MKFS_NAME}" takes it from the root filesystem type)`,
    )
  }
  const type = canonicalFsType(rawType)
  if (!/^[a-z][a-z0-9_]*$/.test(type)) {
    const origin = draft.type === undefined ? draft.origin : originAt(draft.origin, 'type')
    throw configErrorAt(
      origin,
      `Cannot use filesystem type "${rawType}" for mkfs "${draft.name}": expected a name such as "ext4" or "xfs"`,
    )
  }
  // A type from FS_TYPE is the setting's fault: a position in the config would mislead.
  const rootTypeProblem = draft.type === undefined ? describeRootTypeProblem(type) : undefined
  if (rootTypeProblem !== undefined) {
    throw new ConfigError(
      `Cannot use FS_TYPE "${rawType}" for the root filesystem: ${rootTypeProblem}`,
      {
        hint: 'Set FS_TYPE to ext4, xfs or btrfs, or leave it unset for ext4',
      },
    )
  }
  const rootLabel = root.rootLabel === '' ? undefined : root.rootLabel
  const written = draft.label ?? (isRoot ? (rootLabel ?? defaultRootLabel(type)) : draft.name)
  const label = effectiveLabel(type, written)
  const problem = describeLabelProblem(type, label)
  if (problem !== undefined) {
    const fromParams = draft.label === undefined && isRoot && rootLabel !== undefined
    const origin = draft.label === undefined ? draft.origin : originAt(draft.origin, 'label')
    const source = fromParams
      ? ' (from --root-label or ROOT_LABEL)'
      : draft.label !== undefined
        ? ''
        : isRoot
          ? ' (the default root label)'
          : ' (the node name)'
    const message = `Cannot use label "${label}"${source} for ${type} filesystem "${draft.name}": ${problem}`
    // A label from the option is the option's fault: a position in the config would mislead.
    if (fromParams)
      throw new ConfigError(message, {
        hint: 'Change --root-label (or ROOT_LABEL), or leave it out to use the default label',
      })
    throw configErrorAt(origin, message)
  }
  return {
    kind: 'mkfs',
    name: draft.name,
    index: draft.index,
    origin: draft.origin,
    base: draft.base,
    type,
    label,
    opts: draft.opts ?? (isRoot ? (root.rootFsOpts ?? []) : []),
    uuid: draft.uuid,
  }
}

function rootFsType(root: RootFsParams): string {
  return root.rootFsType === '' ? DEFAULT_ROOT_FS_TYPE : root.rootFsType
}
