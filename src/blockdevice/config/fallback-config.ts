// The layout used when no element provides a block-device config: a bare filesystem on the
// whole image (no partition table), like DIB's fallback. Its mkfs is mkfs_root, so the root
// filesystem type, label and options come from the build's parameters.
import { ConfigSource } from './config-source.ts'

export const FALLBACK_CONFIG_NAME = '<fallback block-device config>'

export const FALLBACK_CONFIG_YAML = `- local_loop:
    name: image0
    mkfs:
      name: mkfs_root
      mount:
        mount_point: /
        fstab:
          options: defaults
          fsck-passno: 1
`

export function readFallbackConfig(): ConfigSource {
  return new ConfigSource(FALLBACK_CONFIG_NAME, FALLBACK_CONFIG_YAML)
}
