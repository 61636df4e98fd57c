// Run independent jobs with at most `limit` at a time. After the first failure no new job
// starts, but running ones are awaited so nothing is left writing behind our back.

export interface LimitedRun<T> {
  /** Results by job index; undefined where a job failed or never started. */
  readonly results: readonly (T | undefined)[]
  /** Failures in the order they happened. */
  readonly errors: readonly unknown[]
}

export async function runLimited<T>(
  jobs: readonly (() => Promise<T>)[],
  limit: number,
  signal?: AbortSignal,
): Promise<LimitedRun<T>> {
  const results: (T | undefined)[] = Array.from({ length: jobs.length }, () => undefined)
  const errors: unknown[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (errors.length === 0 && next < jobs.length) {
      if (signal?.aborted) {
        errors.push(signal.reason)
        return
      }
      const index = next++
      const job = jobs[index]
      if (!job) continue
      try {
        results[index] = await job()
      } catch (error) {
        errors.push(error)
      }
    }
  }
  const workers = Math.max(1, Math.min(limit, jobs.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return { results, errors }
}
