/** Retry settings of transient failures. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number
  /** Delay before the second attempt, ms; doubled each attempt. */
  delayMs: number
  /** Longest delay, ms. */
  maxDelayMs: number
}

/**
 * The delay before attempt `attempt + 1` after attempt `attempt` failed:
 * exponential (`delayMs × 2^(attempt−1)`, at most `maxDelayMs`) with "equal
 * jitter" — between half and all of it — so workers that failed together
 * (a PostgreSQL restart) do not all come back at once, yet none comes back
 * sooner than half the delay.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'delayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
