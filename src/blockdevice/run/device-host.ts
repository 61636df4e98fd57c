// The file-system side of building block devices (image files, sectors, directories, device
// nodes), behind an interface so unit tests can play the host.
import { access, mkdir, open, readFile, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { backingIdentity, type BackingIdentity } from '../../host/loops.ts'
import type { SectorWrite } from '../layout/mbr-encode.ts'
import { writeSectors } from './sector-io.ts'

export interface DeviceHost {
  /** A new sparse file of exactly `bytes` (an existing one is replaced). */
  createSparseFile(path: string, bytes: number): Promise<void>
  writeSectors(path: string, writes: readonly SectorWrite[]): Promise<void>
  makeDirectory(path: string): Promise<void>
  exists(path: string): Promise<boolean>
  /** File text, or undefined when it cannot be read. */
  readText(path: string): Promise<string | undefined>
  removeFile(path: string): Promise<void>
  sleep(ms: number): Promise<void>
  /** The file as a loop device will show it (its filesystem's major:minor and its inode). */
  fileIdentity(path: string): Promise<BackingIdentity>
}

export const nodeDeviceHost: DeviceHost = {
  fileIdentity: backingIdentity,
  async createSparseFile(path, bytes) {
    await mkdir(dirname(path), { recursive: true })
    const handle = await open(path, 'w')
    try {
      await handle.truncate(bytes)
    } finally {
      await handle.close()
    }
  },
  writeSectors,
  async makeDirectory(path) {
    await mkdir(path, { recursive: true })
  },
  async exists(path) {
    try {
      await access(path)
      return true
    } catch {
      return false
    }
  },
  async readText(path) {
    try {
      return await readFile(path, 'utf8')
    } catch {
      return undefined
    }
  },
  async removeFile(path) {
    await rm(path, { force: true })
  },
  async sleep(ms) {
    await delay(ms)
  },
}
