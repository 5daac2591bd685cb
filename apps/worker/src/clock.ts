/** Time as the worker sees it: injectable, so schedules and retries are tested without waiting. */
export interface Clock {
  now(): Date
  /** Resolves after `ms` (at once when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve()
      const timer = setTimeout(done, Math.max(0, ms))
      function done() {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      signal?.addEventListener('abort', done, { once: true })
    }),
}

interface Sleeper {
  until: number
  resolve: () => void
}

/**
 * A clock that moves only when told (`advance`, `set`): for tests of
 * schedules (DST included), catch-up and backoff. Sleepers whose time has
 * come are woken in time order, and `advance` lets the work they start run
 * before it returns.
 */
export class ManualClock implements Clock {
  #now: number
  #sleepers: Sleeper[] = []

  constructor(start: Date | string) {
    this.#now = new Date(start).getTime()
  }

  now(): Date {
    return new Date(this.#now)
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        until: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', wake)
          resolve()
        },
      }
      const wake = () => {
        this.#sleepers = this.#sleepers.filter((entry) => entry !== sleeper)
        sleeper.resolve()
      }
      signal?.addEventListener('abort', wake, { once: true })
      this.#sleepers.push(sleeper)
    })
  }

  /** How many sleepers wait, and the earliest time one wakes. */
  get pending(): { count: number; next: Date | undefined } {
    const next = this.#sleepers.reduce((min, sleeper) => Math.min(min, sleeper.until), Infinity)
    return { count: this.#sleepers.length, next: Number.isFinite(next) ? new Date(next) : undefined }
  }

  /** Moves time forward by `ms`, waking each sleeper at its own time, in order. */
  async advance(ms: number): Promise<void> {
    await this.set(new Date(this.#now + ms))
  }

  /** Moves time forward to `date` (never back). */
  async set(date: Date | string): Promise<void> {
    const target = new Date(date).getTime()
    for (;;) {
      await settle()
      const due = this.#sleepers.filter((sleeper) => sleeper.until <= target).sort((a, b) => a.until - b.until)[0]
      if (!due) break
      this.#now = Math.max(this.#now, due.until)
      this.#sleepers = this.#sleepers.filter((sleeper) => sleeper !== due)
      due.resolve()
    }
    this.#now = Math.max(this.#now, target)
    await settle()
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
