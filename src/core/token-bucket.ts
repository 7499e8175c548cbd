/**
 * Token buckets, as Route53 meters its API (and as the controller meters itself against it): a bucket holds at most
 * `capacity` tokens (the burst), gains `refillPerSecond` continuously (the sustained rate), and a request takes its
 * cost from every bucket it draws on at once, or waits until all of them hold enough. Pure, with `now` (ms) as input.
 */

export interface Bucket {
  capacity: number;
  refillPerSecond: number;
}

export interface Level {
  tokens: number;
  /** when `tokens` was last brought up to date (ms) */
  at: number;
}

export const fullLevel = (bucket: Bucket, now: number): Level => ({ tokens: bucket.capacity, at: now });

/** The level at `now`: what was there plus the refill since, never above capacity. */
export function levelAt(bucket: Bucket, level: Level, now: number): Level {
  const elapsed = Math.max(0, now - level.at) / 1000;
  return {
    tokens: Math.min(bucket.capacity, level.tokens + elapsed * bucket.refillPerSecond),
    at: Math.max(now, level.at),
  };
}

/**
 * A cost no bucket can ever pay (more than its capacity) is paid as the whole capacity: the request waits for a full
 * bucket and empties it, which is the closest a client can come to what the server will count.
 */
const payable = (bucket: Bucket, cost: number) => Math.min(cost, bucket.capacity);

/** Milliseconds until the bucket holds `cost` tokens; 0 when it does now; Infinity when it never refills. */
export function waitFor(bucket: Bucket, level: Level, now: number, cost: number): number {
  const missing = payable(bucket, cost) - levelAt(bucket, level, now).tokens;
  if (missing <= 1e-9) return 0;
  return bucket.refillPerSecond > 0 ? Math.ceil((missing / bucket.refillPerSecond) * 1000) : Number.POSITIVE_INFINITY;
}

export interface Draw {
  bucket: Bucket;
  level: Level;
  cost: number;
}

/**
 * One request against several buckets: `{ wait }` with the milliseconds until every bucket can pay, or `{ levels }`
 * with each bucket's level after paying (in the order given) when all can pay now.
 */
export function drawAll(draws: readonly Draw[], now: number): { wait: number } | { levels: Level[] } {
  const wait = Math.max(0, ...draws.map((d) => waitFor(d.bucket, d.level, now, d.cost)));
  if (wait > 0) return { wait };
  return {
    levels: draws.map((d) => {
      const level = levelAt(d.bucket, d.level, now);
      return { tokens: level.tokens - payable(d.bucket, d.cost), at: level.at };
    }),
  };
}

/** A bucket's share of an account's: each of `controllers` gets 1/N of the burst (at least 1) and of the rate. */
export function shareOf(bucket: Bucket, controllers: number): Bucket {
  const n = Math.max(1, Math.floor(controllers));
  return { capacity: Math.max(1, bucket.capacity / n), refillPerSecond: bucket.refillPerSecond / n };
}
