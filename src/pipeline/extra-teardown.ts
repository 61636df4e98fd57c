// EXTRA_DETACH and EXTRA_UNMOUNT: commands the caller gives to be run when the image is
// released (DIB's unmount_image), after the build's own unmounts, on success and failure alike.
import type { BuildContext } from './context.ts'
import { readSetting } from '../config/settings.ts'

/** The commands to run, in DIB's order. */
export function extraTeardownCommands(env: Readonly<Record<string, string>>): string[] {
  return [readSetting(env, 'extraDetach'), readSetting(env, 'extraUnmount')].filter(
    (command): command is string => command !== undefined && command.trim() !== '',
  )
}

/** Dispose after the disk to run the caller's commands; a failing one is a warning. */
export function extraTeardown(ctx: BuildContext): AsyncDisposable {
  return {
    [Symbol.asyncDispose]: async () => {
      for (const command of extraTeardownCommands(ctx.options.env)) {
        const result = await ctx.runner.run(
          {
            argv: ['bash', '-c', command],
            extraEnv: Object.fromEntries(ctx.exported),
            label: 'extra teardown',
          },
          { allowFailure: true },
        )
        if (result.exitCode !== 0)
          ctx.reporter.emit({
            kind: 'warning',
            message: `"${command}" (EXTRA_DETACH/EXTRA_UNMOUNT) exited with ${result.exitCode}`,
          })
      }
    },
  }
}
