/**
 * The Route53 API quota (about five requests a second per account, shared by every controller of the account) as a
 * token to take before each call. One bucket per process: all policies' Route53 calls draw from it.
 */
import { TokenBucket } from "./rate-limiter.js";
import { sleep, systemTimers, type Timers } from "./timers.js";

export function route53Quota(requestsPerSecond = 5, burst = 5, timers: Timers = systemTimers): () => Promise<void> {
  const bucket = new TokenBucket<string>(requestsPerSecond, burst);
  return async () => {
    const delay = bucket.when("route53", timers.now());
    if (delay > 0) await sleep(timers, delay);
  };
}
