/**
 * The Route53 API quota (about five requests a second per account, shared by every controller of the account) as a
 * turn to take before each call. One per process: all policies' Route53 calls draw from it. Calls are spaced by real
 * time since the previous call actually went out, not by reserved slots, so a late timer never bunches two calls
 * together; 4.5 a second rather than 5 leaves room for the jitter between when a request leaves and when Route53
 * counts it.
 */
import { sleep, systemTimers, type Timers } from "./kube/timers.js";

export function route53Quota(requestsPerSecond = 4.5, timers: Timers = systemTimers): () => Promise<void> {
  const spacingMs = 1000 / requestsPerSecond;
  let nextAt = 0;
  let queue: Promise<void> = Promise.resolve();
  return () => {
    const turn = queue.then(async () => {
      const wait = nextAt - timers.now();
      if (wait > 0) await sleep(timers, wait);
      nextAt = timers.now() + spacingMs;
    });
    queue = turn.catch(() => undefined);
    return turn;
  };
}
