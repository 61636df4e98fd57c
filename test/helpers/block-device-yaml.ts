// Block-device YAML for tests: one local_loop "image0" and one partition table on it, written
// the way the shipped layouts are, so tests state only the partitions they are about.

export interface PartitionYaml {
  readonly name: string
  readonly size: string
  readonly flags?: readonly string[]
  /** Written quoted, as an sgdisk code or MBR type. */
  readonly type?: string
  /** The partition's mkfs node and its keys; absent: the partition gets no filesystem. */
  readonly mkfs?: { readonly name?: string; readonly type?: string; readonly label?: string }
  readonly mountPoint?: string
  readonly fstab?: Readonly<Record<string, string | number>>
}

export function partitionedLayout(
  label: 'mbr' | 'gpt',
  partitions: readonly PartitionYaml[],
): string {
  const lines = [
    '',
    '- local_loop:',
    '    name: image0',
    '- partitioning:',
    '    base: image0',
    `    label: ${label}`,
    '    partitions:',
  ]
  for (const partition of partitions) lines.push(...partitionLines(partition))
  return `${lines.join('\n')}\n`
}

function partitionLines(partition: PartitionYaml): string[] {
  const lines = [`      - name: ${partition.name}`]
  if (partition.flags) lines.push(`        flags: [${partition.flags.join(', ')}]`)
  if (partition.type !== undefined) lines.push(`        type: '${partition.type}'`)
  lines.push(`        size: ${partition.size}`)
  if (partition.mkfs === undefined) return lines
  lines.push('        mkfs:')
  for (const [key, value] of Object.entries(partition.mkfs))
    lines.push(`          ${key}: ${value}`)
  if (partition.mountPoint === undefined) return lines
  lines.push('          mount:', `            mount_point: ${partition.mountPoint}`)
  if (partition.fstab === undefined) return lines
  lines.push('            fstab:')
  for (const [key, value] of Object.entries(partition.fstab))
    lines.push(`              ${key}: ${value}`)
  return lines
}

/** A cloud image's disk as vendors make it: an ESP, a separate /boot and the root, on GPT. */
export function espBootRootLayout(rootLabel: string): string {
  return partitionedLayout('gpt', [
    {
      name: 'ESP',
      type: 'EF00',
      size: '16MiB',
      mkfs: { type: 'vfat' },
      mountPoint: '/boot/efi',
      fstab: { options: 'umask=0077', 'fsck-passno': 2 },
    },
    {
      name: 'boot',
      type: '8300',
      size: '48MiB',
      mkfs: { type: 'ext4', label: 'boot' },
      mountPoint: '/boot',
      fstab: { options: 'defaults', 'fsck-passno': 2 },
    },
    {
      name: 'root',
      type: '8300',
      size: '100%',
      mkfs: { type: 'ext4', label: rootLabel },
      mountPoint: '/',
      fstab: { options: 'defaults', 'fsck-passno': 1 },
    },
  ])
}
