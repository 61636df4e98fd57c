// Processes a build started that outlived the command that started them: a daemon a host-side
// hook detached with setsid, a background job of a chroot script. They would hold the build's
// mounts busy and keep running on the host after it; the build stops them before it lets go.
import { stopProcessesOfBuild } from '../host/processes.ts'
import type { Reporter } from '../report/events.ts'

export async function stopStrayProcesses(buildId: string, reporter: Reporter): Promise<void> {
  const stopped = await stopProcessesOfBuild(buildId)
  if (stopped.length > 0) {
    reporter.emit({
      kind: 'warning',
      message: `Stopped ${stopped.length} process(es) the build started and left running: ${stopped.join(' ')}`,
    })
  }
}
