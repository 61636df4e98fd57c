// One running QEMU: started through the runner, watched while the console is driven, and
// always stopped: politely over QMP first, then by aborting the command (SIGTERM, SIGKILL).
import type { RunResult, Runner } from '../exec/command.ts'
import { buildQemuArgv, type QemuPlan } from './qemu-argv.ts'
import { quitQemu } from './qmp.ts'

const QMP_QUIT_TIMEOUT_MS = 5_000
const EXIT_GRACE_MS = 10_000

export type QemuExit =
  | { readonly kind: 'exited'; readonly result: RunResult }
  | { readonly kind: 'failed'; readonly error: unknown }

export class QemuProcess {
  readonly plan: QemuPlan
  readonly #controller = new AbortController()
  readonly #exitController = new AbortController()
  readonly #done: Promise<QemuExit>
  #exit: QemuExit | undefined

  constructor(plan: QemuPlan, runner: Runner) {
    this.plan = plan
    const argv = buildQemuArgv(plan)
    this.#done = runner
      .run(
        { argv, label: `${argv[0]} (boot test)` },
        { allowFailure: true, signal: this.#controller.signal },
      )
      .then(
        (result): QemuExit => ({ kind: 'exited', result }),
        (error: unknown): QemuExit => ({ kind: 'failed', error }),
      )
      .then((exit) => {
        this.#exit = exit
        this.#exitController.abort(new Error('QEMU exited'))
        return exit
      })
  }

  /** Aborts when QEMU is gone, so waits on its sockets end at once instead of timing out. */
  get exitSignal(): AbortSignal {
    return this.#exitController.signal
  }

  /** How QEMU ended, or undefined while it runs. */
  get exit(): QemuExit | undefined {
    return this.#exit
  }

  /** Wait up to `ms` for QEMU to end by itself. */
  async waitForExit(ms: number): Promise<QemuExit | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms)
    })
    try {
      return await Promise.race([this.#done, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Quit QEMU and wait until the process is gone; never throws. */
  async stop(): Promise<QemuExit> {
    if (this.#exit) return this.#exit
    try {
      await quitQemu(this.plan.qmpSocket, QMP_QUIT_TIMEOUT_MS)
    } catch {
      // QMP unreachable or stuck: the abort below ends QEMU anyway.
    }
    const exit = await this.waitForExit(EXIT_GRACE_MS)
    if (exit) return exit
    this.#controller.abort(new Error('Boot test is stopping QEMU'))
    return this.#done
  }
}
