// A small AsyncDisposableStack (Node 20 has Symbol.asyncDispose but not the stack class).
// Releases run in reverse order of acquisition; every release is attempted even when an
// earlier one fails, and the failures are reported together.

export type Release = () => Promise<void> | void

export class AsyncStack implements AsyncDisposable {
  readonly #releases: { readonly name: string; readonly release: Release }[] = []
  #disposed = false

  /** Register a release to run when the stack is disposed. */
  defer(name: string, release: Release): void {
    if (this.#disposed) throw new Error(`Cannot defer "${name}": stack already disposed`)
    this.#releases.push({ name, release })
  }

  /** Take ownership of a disposable resource and return it. */
  use<T extends AsyncDisposable | Disposable>(name: string, resource: T): T {
    this.defer(name, async () => {
      if (Symbol.asyncDispose in resource) await resource[Symbol.asyncDispose]()
      else resource[Symbol.dispose]()
    })
    return resource
  }

  /** Move every pending release to a new stack (to hand ownership to the caller). */
  move(): AsyncStack {
    const next = new AsyncStack()
    next.#releases.push(...this.#releases.splice(0))
    return next
  }

  get size(): number {
    return this.#releases.length
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return
    this.#disposed = true
    const failures: unknown[] = []
    for (let entry = this.#releases.pop(); entry; entry = this.#releases.pop()) {
      try {
        await entry.release()
      } catch (error) {
        failures.push(new Error(`Cannot release ${entry.name}`, { cause: error }))
      }
    }
    if (failures.length === 1) throw failures[0]
    if (failures.length > 1) throw new AggregateError(failures, 'Cannot release several resources')
  }
}
