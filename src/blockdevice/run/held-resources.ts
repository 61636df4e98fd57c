// Loop devices, mounts, volume groups and device nodes taken while creating block devices.
// Each is written to the resource journal the moment it is taken and struck off the moment it
// is released, so `imagewright cleanup` can finish the job after a crash.
import { BlockDeviceError } from '../../errors.ts'
import type { Runner } from '../../exec/command.ts'
import type { ResourceJournal } from '../../host/journal.ts'
import { detachLoop, loopsBackedBy } from '../../host/loops.ts'
import type { Reporter } from '../../report/events.ts'
import type { DeviceHost } from './device-host.ts'
import { buildVgDeactivateArgv } from './lvm-argv.ts'
import type { BlockDeviceDeps } from './deps.ts'
import type { Argv } from './steps.ts'
import { shouldTrim, type MountRecord } from './teardown-steps.ts'

// DIB retries umount 9 times because a filesystem can stay busy a moment after sync.
const UMOUNT_DELAYS_MS = [250, 500, 1000, 2000, 3000, 3000, 3000, 3000]
const DETACH_DELAYS_MS = [500, 1000, 2000]
/** How long a detached loop device may stay held (by a mount in another namespace) before we give up. */
const DETACH_SETTLE_MS = 60_000

export interface HeldLoop {
  readonly device: string
  readonly image: string
}

/** What is held at one moment, as plain data: enough for another process to release it. */
export interface HeldSnapshot {
  /** In mount order (parents first). */
  readonly mounts: readonly MountRecord[]
  /** In attach order. */
  readonly loops: readonly HeldLoop[]
  readonly volumeGroups: readonly string[]
  readonly createdNodes: readonly string[]
}

export class HeldResources {
  /** Mounted filesystems in mount order. */
  readonly mounts: MountRecord[] = []
  readonly loops: HeldLoop[] = []
  readonly volumeGroups: string[] = []
  readonly createdNodes: string[] = []
  readonly images: string[] = []
  readonly #runner: Runner
  readonly #reporter: Reporter
  readonly #journal: ResourceJournal
  readonly #host: DeviceHost

  constructor(deps: BlockDeviceDeps, host: DeviceHost) {
    this.#runner = deps.runner
    this.#reporter = deps.reporter
    this.#journal = deps.journal
    this.#host = host
  }

  snapshot(): HeldSnapshot {
    return {
      mounts: [...this.mounts],
      loops: [...this.loops],
      volumeGroups: [...this.volumeGroups],
      createdNodes: [...this.createdNodes],
    }
  }

  /** Take over resources an earlier process took (and journaled), to release them here. */
  adopt(held: HeldSnapshot): void {
    this.mounts.push(...held.mounts)
    this.loops.push(...held.loops)
    this.volumeGroups.push(...held.volumeGroups)
    this.createdNodes.push(...held.createdNodes)
  }

  async attachLoop(image: string, argv: Argv): Promise<string> {
    // Written down before losetup runs: a kill -9 right after it still leaves the device findable.
    const identity = await this.#host.fileIdentity(image)
    const pending = { kind: 'loop-file', file: image, ...identity } as const
    await this.#journal.record(pending)
    let device: string
    try {
      // Its stdout is the device name: data for the resource event, not a log line.
      const result = await this.#runner.run({ argv }, { stdoutIsData: true })
      device = result.stdout.trim()
      if (!device.startsWith('/dev/')) {
        throw new BlockDeviceError(
          `Cannot attach "${image}": losetup printed "${device}" instead of a device`,
        )
      }
    } catch (error) {
      // losetup may have attached the file before it failed or was stopped: find it by its file.
      const attached = await loopsBackedBy(image, identity, [], this.#runner).catch(() => [])
      for (const stray of attached) await detachLoop(stray, this.#runner).catch(() => undefined)
      await this.#journal.forget(pending)
      throw error
    }
    this.loops.push({ device, image })
    await this.#journal.record({ kind: 'loop', device, file: image })
    await this.#journal.forget(pending)
    this.#reporter.emit({
      kind: 'resource',
      action: 'acquire',
      resource: `loop device ${device} for ${image}`,
    })
    return device
  }

  /** `verify`, when given, must exit 0 once the mount is there (a mount step's `verify`). */
  async mount(record: MountRecord, argv: Argv, verify?: Argv): Promise<void> {
    const result = await this.#runner.run({ argv })
    const check = verify && (await this.#runner.run({ argv: verify }, { allowFailure: true }))
    if (check && check.exitCode !== 0) {
      const said = `${result.stderr}\n${result.stdout}`
        .split('\n')
        .find((line) => /fail|error|invalid/i.test(line))
      throw new BlockDeviceError(
        `Cannot mount ${record.device} at ${record.path}: "${argv[0]}" exited 0 but nothing is mounted there` +
          (said === undefined ? '' : ` (it said: ${said.trim()})`),
      )
    }
    this.mounts.push(record)
    await this.#journal.record({ kind: 'mount', path: record.path })
    this.#reporter.emit({ kind: 'resource', action: 'acquire', resource: `mount ${record.path}` })
  }

  /** Unmount everything, children first; `lazy` detaches a mount that stays busy (failure path). */
  async unmountAll(options: { readonly lazy?: boolean } = {}): Promise<void> {
    if (this.mounts.length === 0) return
    await this.#runner.run({ argv: ['sync'] })
    for (let mount = this.mounts.at(-1); mount; mount = this.mounts.at(-1)) {
      if (shouldTrim(mount.fstype)) {
        const trimmed = await this.#runner.run(
          { argv: ['fstrim', '--verbose', mount.path] },
          { allowFailure: true },
        )
        if (trimmed.exitCode !== 0)
          this.#warn(`Cannot trim ${mount.path}: the image may stay larger than needed`)
      }
      await this.#unmountOne(mount.path, options.lazy ?? false)
      this.mounts.pop()
      await this.#journal.forget({ kind: 'mount', path: mount.path })
      this.#reporter.emit({ kind: 'resource', action: 'release', resource: `mount ${mount.path}` })
    }
  }

  /** Deactivate volume groups, detach loop devices, remove device nodes we made. */
  async detachAll(): Promise<void> {
    const failures: string[] = []
    for (let vg = this.volumeGroups.at(-1); vg !== undefined; vg = this.volumeGroups.at(-1)) {
      const result = await this.#runner.run(
        { argv: buildVgDeactivateArgv(vg) },
        { allowFailure: true },
      )
      if (result.exitCode !== 0)
        failures.push(`volume group "${vg}" stays active (${firstLine(result.stderr)})`)
      this.volumeGroups.pop()
    }
    for (let loop = this.loops.at(-1); loop; loop = this.loops.at(-1)) {
      const problem = await this.#detachOne(loop)
      if (problem !== undefined) {
        failures.push(`loop device ${loop.device} stays attached (${problem})`)
        break
      }
      this.loops.pop()
      await this.#journal.forget({ kind: 'loop', device: loop.device, file: loop.image })
      this.#reporter.emit({
        kind: 'resource',
        action: 'release',
        resource: `loop device ${loop.device} for ${loop.image}`,
      })
    }
    for (let node = this.createdNodes.pop(); node !== undefined; node = this.createdNodes.pop()) {
      await this.#host.removeFile(node)
    }
    if (failures.length > 0) {
      throw new BlockDeviceError(`Cannot release block devices: ${failures.join('; ')}`, {
        hint: 'Run "imagewright cleanup" or release them by hand with umount and losetup -d',
      })
    }
  }

  /** Delete image files created so far (failure path only: a good image is the product). */
  async removeImages(): Promise<void> {
    for (let image = this.images.pop(); image !== undefined; image = this.images.pop()) {
      await this.#host.removeFile(image)
    }
  }

  async #unmountOne(path: string, lazy: boolean): Promise<void> {
    let stderr = ''
    for (let attempt = 0; attempt <= UMOUNT_DELAYS_MS.length; attempt += 1) {
      const result = await this.#runner.run({ argv: ['umount', path] }, { allowFailure: true })
      if (result.exitCode === 0 || /not mounted|no mount point/i.test(result.stderr)) return
      stderr = result.stderr
      const delay = UMOUNT_DELAYS_MS[attempt]
      if (!/busy/i.test(stderr) || delay === undefined) break
      await this.#host.sleep(delay)
    }
    if (lazy) {
      const result = await this.#runner.run(
        { argv: ['umount', '--lazy', path] },
        { allowFailure: true },
      )
      if (result.exitCode === 0) {
        this.#warn(`Unmounted ${path} lazily: it stayed busy (${firstLine(stderr)})`)
        return
      }
    }
    throw new BlockDeviceError(`Cannot unmount "${path}": ${firstLine(stderr)}`, {
      hint: `Find what keeps it busy with "fuser -vm ${path}"`,
    })
  }

  async #detachOne(loop: HeldLoop): Promise<string | undefined> {
    let stderr = ''
    for (let attempt = 0; attempt <= DETACH_DELAYS_MS.length; attempt += 1) {
      const result = await this.#runner.run(
        { argv: ['losetup', '-d', loop.device] },
        { allowFailure: true },
      )
      // ENXIO: nothing is attached any more, which is what we wanted.
      if (/No such device or address/i.test(result.stderr)) return undefined
      // A device still open elsewhere is only marked for detaching: wait until it really is, so
      // nothing reads the image while a filesystem on it is still mounted (unclean).
      // (Not while a mount of ours stays busy on it: that failure is reported already, and the
      // kernel frees the device once the mount goes.)
      if (result.exitCode === 0) {
        if (this.mounts.length > 0 || (await this.#detached(loop))) return undefined
        const name = loop.device.replace('/dev/', '')
        return `still held open after ${DETACH_SETTLE_MS / 1000} s, by a mount in another mount namespace (grep -l ${name} /proc/*/mountinfo)`
      }
      stderr = result.stderr
      const delay = DETACH_DELAYS_MS[attempt]
      if (delay === undefined) break
      await this.#host.sleep(delay)
    }
    return firstLine(stderr)
  }

  /** Whether the kernel let go of `loop`, polling sysfs until DETACH_SETTLE_MS have passed. */
  async #detached(loop: HeldLoop): Promise<boolean> {
    const file = `/sys/block/${loop.device.replace('/dev/', '')}/loop/backing_file`
    for (let waited = 0; ; waited += 100) {
      // Gone, or the number already backs another file.
      const shown = (await this.#host.readText(file))?.trim().replace(/ \(deleted\)$/, '')
      if (shown !== loop.image) return true
      if (waited >= DETACH_SETTLE_MS) return false
      await this.#host.sleep(100)
    }
  }

  #warn(message: string): void {
    this.#reporter.emit({ kind: 'warning', message })
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? 'no error output'
  )
}
