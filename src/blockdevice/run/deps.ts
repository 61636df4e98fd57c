// The collaborators the block-device layer runs with: how it runs commands, reports, records
// what it holds, and reaches the file system.
import type { Runner } from '../../exec/command.ts'
import type { ResourceJournal } from '../../host/journal.ts'
import type { Reporter } from '../../report/events.ts'
import type { DeviceHost } from './device-host.ts'

/** Collaborators of createBlockDevices(). */
export interface BlockDeviceDeps {
  readonly runner: Runner
  readonly reporter: Reporter
  /** Every loop device and mount is recorded when taken and forgotten when released. */
  readonly journal: ResourceJournal
  /** File-system access; the real host unless a test plays it. */
  readonly host?: DeviceHost
}
