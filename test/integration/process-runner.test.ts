import { describe, expect, it } from 'vitest'
import { CommandFailedError } from '../../src/exec/errors.ts'
import { ProcessRunner } from '../../src/exec/run.ts'
import { RecordingReporter } from '../../src/report/events.ts'

describe('ProcessRunner', () => {
  it('streams every output line as an event and returns the output', async () => {
    const reporter = new RecordingReporter()
    const runner = new ProcessRunner({ reporter })
    const result = await runner.run({
      argv: ['sh', '-c', 'echo one; echo two >&2; printf three'],
      label: 'demo',
    })
    expect(result.stdout).toBe('one\nthree')
    expect(result.stderr).toBe('two')
    const lines = reporter.events.flatMap((e) => (e.event.kind === 'output' ? [e.event.line] : []))
    expect(lines.sort()).toEqual(['one', 'three', 'two'])
  })

  it('keeps a data stdout out of the log, and can split a redrawn meter on carriage returns', async () => {
    const reporter = new RecordingReporter()
    const runner = new ProcessRunner({ reporter })
    const seen: string[] = []
    const result = await runner.run(
      {
        argv: [
          'sh',
          '-c',
          'printf "  (10.00/100%%)\\r  (55.50/100%%)\\r\\n/dev/loop7\\n"; echo warn >&2',
        ],
        label: 'meter',
      },
      {
        stdoutIsData: true,
        splitCarriageReturns: true,
        onLine: (line, stream) => seen.push(`${stream}:${line}`),
      },
    )
    expect(result.stdout).toBe('  (10.00/100%)\n  (55.50/100%)\n/dev/loop7')
    expect(seen).toContain('stdout:  (55.50/100%)')
    const lines = reporter.events.flatMap((e) => (e.event.kind === 'output' ? [e.event.line] : []))
    expect(lines).toEqual(['warn'])
  })

  it('throws CommandFailedError with the exit code and the output tail', async () => {
    const runner = new ProcessRunner({ reporter: new RecordingReporter() })
    const failing = runner.run({ argv: ['sh', '-c', 'echo boom; exit 3'], label: 'failing step' })
    await expect(failing).rejects.toThrow(CommandFailedError)
    await expect(failing).rejects.toThrow('Command failed with exit code 3: failing step')
    const error = await failing.catch((e: unknown) => e)
    expect((error as CommandFailedError).failure.tail).toEqual(['boom'])
  })

  it('keeps a data stdout out of the failure tail, so a late meter line cannot hide the error', async () => {
    const runner = new ProcessRunner({ reporter: new RecordingReporter() })
    const script = 'echo "bad option" >&2; sleep 0.1; printf "  (0.00/100%%)\\r\\n"; exit 1'
    const error = await runner
      .run(
        { argv: ['sh', '-c', script], label: 'meter' },
        { stdoutIsData: true, splitCarriageReturns: true },
      )
      .catch((e: unknown) => e)
    expect((error as CommandFailedError).failure.tail).toEqual(['bad option'])
  })

  it('explains exit status 127', async () => {
    const runner = new ProcessRunner({ reporter: new RecordingReporter() })
    await expect(runner.run({ argv: ['sh', '-c', 'exit 127'] })).rejects.toThrow(
      /command not found/,
    )
  })

  it('passes exactly the environment it is given', async () => {
    const runner = new ProcessRunner({ reporter: new RecordingReporter() })
    const result = await runner.run({ argv: ['/usr/bin/env'], env: { ONLY: 'this' } })
    expect(result.stdout.trim()).toBe('ONLY=this')
  })

  it('kills the child when the build is aborted', async () => {
    const controller = new AbortController()
    const runner = new ProcessRunner({
      reporter: new RecordingReporter(),
      signal: controller.signal,
    })
    const started = Date.now()
    setTimeout(() => controller.abort(), 200)
    await expect(runner.run({ argv: ['sleep', '30'] })).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
