/**
 * Retry delays for the work queue, as controller-runtime's default controller rate limiter computes them: a per-key
 * exponential backoff (a key that keeps failing waits longer and longer) combined with a global token bucket (many keys
 * failing at once cannot hammer the API server), the delay being the larger of the two.
 *
 * Every limiter takes `now` as an argument instead of reading a clock, so the arithmetic is tested by choosing instants.
 */

export interface RateLimiter<K> {
  /** How long to wait before retrying `key`; records the attempt. */
  when(key: K, now: number): number;
  /** Stops tracking `key`: its next failure starts from the smallest delay again. */
  forget(key: K): void;
  /** Failures recorded for `key` since it was last forgotten. */
  numRequeues(key: K): number;
}

/** Per-key exponential backoff: base, 2·base, 4·base, … capped at max. */
export class ItemExponentialBackoff<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {
    if (!(baseDelayMs > 0) || !(maxDelayMs >= baseDelayMs)) {
      throw new Error(`backoff needs 0 < base <= max, got base ${baseDelayMs} ms and max ${maxDelayMs} ms`);
    }
  }

  when(key: K): number {
    const previous = this.failures.get(key) ?? 0;
    this.failures.set(key, previous + 1);
    // 2 ** n becomes Infinity long before it could overflow anything; min() turns that into the cap.
    return Math.min(this.baseDelayMs * 2 ** previous, this.maxDelayMs);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A token bucket shared by all keys (golang.org/x/time/rate semantics, as client-go uses it): `burst` tokens, refilled
 * at `qps` per second; every call takes one token, and when none is left the caller is told how long until its token
 * exists. Tokens can go negative, so callers queue up behind each other rather than all retrying at the same instant.
 */
export class TokenBucket<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number | undefined;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`token bucket needs qps > 0 and burst >= 1, got ${qps}/${burst}`);
    this.tokens = burst;
  }

  when(_key: K, now: number): number {
    // A clock that steps back must not mint tokens; treat it as no time having passed.
    const elapsedMs = this.last === undefined ? 0 : Math.max(0, now - this.last);
    this.last = this.last === undefined ? now : Math.max(this.last, now);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.qps) / 1000) - 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(): void {
    // The bucket is global: one key succeeding gives nothing back.
  }

  numRequeues(): number {
    return 0;
  }
}

/** The largest delay of several limiters; every limiter records every attempt (controller-runtime's MaxOf). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new Error("MaxOfRateLimiter needs at least one limiter");
    this.limiters = limiters;
  }

  when(key: K, now: number): number {
    // Not Math.max(...map): each limiter must see the attempt even when an earlier one already gave the maximum.
    let delay = 0;
    for (const limiter of this.limiters) delay = Math.max(delay, limiter.when(key, now));
    return delay;
  }

  forget(key: K): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: K): number {
    let n = 0;
    for (const limiter of this.limiters) n = Math.max(n, limiter.numRequeues(key));
    return n;
  }
}

export interface ControllerRateLimiterOptions {
  /** First retry delay of a key. Default 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay of a key. Default 1000 s. */
  maxDelayMs?: number;
  /** Retries per second over all keys once the burst is spent. Default 10. */
  qps?: number;
  /** Retries allowed at once over all keys. Default 100. */
  burst?: number;
}

/** controller-runtime's DefaultControllerRateLimiter: MaxOf(per-key 5 ms → 1000 s, bucket 10 qps / burst 100). */
export function controllerRateLimiter<K>(options: ControllerRateLimiterOptions = {}): RateLimiter<K> {
  const { baseDelayMs = 5, maxDelayMs = 1_000_000, qps = 10, burst = 100 } = options;
  return new MaxOfRateLimiter<K>(
    new ItemExponentialBackoff<K>(baseDelayMs, maxDelayMs),
    new TokenBucket<K>(qps, burst),
  );
}
