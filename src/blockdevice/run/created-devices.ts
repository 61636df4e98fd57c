// What createBlockDevices() hands back: where everything is, and the way to release it.
// Disposal unmounts and then detaches; both are idempotent, so `await using` plus an explicit
// unmount() before converting the image is fine.
import type { HeldResources, HeldSnapshot } from './held-resources.ts'
import type { MountRecord } from './teardown-steps.ts'

export interface FilesystemInfo {
  readonly device: string
  readonly fstype: string
  readonly label: string
  /** As blkid shows it; undefined for types whose UUID we cannot set. */
  readonly uuid: string | undefined
  /** The mount_point from the config ("none" for swap); undefined when not mounted. */
  readonly mountPoint: string | undefined
}

export interface BlockDevices extends AsyncDisposable {
  /** The image file of local_loop "image0". */
  readonly imagePath: string
  /** Its loop device, e.g. /dev/loop3. */
  readonly imageBlockDevice: string
  /** Every local_loop by node name. */
  readonly images: Readonly<Record<string, { readonly path: string; readonly device: string }>>
  /** Device path of every device node (loops, partitions, LVs) by node name. */
  readonly devices: Readonly<Record<string, string>>
  /** Every mkfs node by name. */
  readonly filesystems: Readonly<Record<string, FilesystemInfo>>
  /** /etc/fstab text for the image. */
  readonly fstab: string
  /** Host path where the image's "/" is mounted. */
  readonly rootMountPath: string
  /** Mounted filesystems in mount order (parents first). */
  readonly mountPoints: readonly MountRecord[]
  /** sync, fstrim (not vfat), umount in reverse mount order, retrying while busy. */
  unmount(): Promise<void>
  /** Deactivate volume groups and detach loop devices (losetup -d, retried). */
  detach(): Promise<void>
  /** What is still held, for a caller that leaves the release to a later process. */
  listHeld(): HeldSnapshot
}

export interface CreatedDevicesInit {
  readonly imagePath: string
  readonly imageBlockDevice: string
  readonly images: BlockDevices['images']
  readonly devices: BlockDevices['devices']
  readonly filesystems: BlockDevices['filesystems']
  readonly fstab: string
  readonly rootMountPath: string
}

export class CreatedBlockDevices implements BlockDevices {
  readonly imagePath: string
  readonly imageBlockDevice: string
  readonly images: BlockDevices['images']
  readonly devices: BlockDevices['devices']
  readonly filesystems: BlockDevices['filesystems']
  readonly fstab: string
  readonly rootMountPath: string
  readonly mountPoints: readonly MountRecord[]
  readonly #held: HeldResources

  constructor(init: CreatedDevicesInit, held: HeldResources) {
    this.imagePath = init.imagePath
    this.imageBlockDevice = init.imageBlockDevice
    this.images = init.images
    this.devices = init.devices
    this.filesystems = init.filesystems
    this.fstab = init.fstab
    this.rootMountPath = init.rootMountPath
    this.mountPoints = [...held.mounts]
    this.#held = held
  }

  async unmount(): Promise<void> {
    await this.#held.unmountAll()
  }

  async detach(): Promise<void> {
    await this.#held.detachAll()
  }

  listHeld(): HeldSnapshot {
    return this.#held.snapshot()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    let failure: unknown
    try {
      await this.unmount()
    } catch (error) {
      failure = error
    }
    // Detach even when a mount stays busy: the kernel frees the loop device once it is
    // unmounted (autoclear), and the journal still lists the mount for cleanup.
    try {
      await this.detach()
    } catch (error) {
      failure ??= error
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, as caught
    if (failure !== undefined) throw failure
  }
}
