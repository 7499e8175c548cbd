/**
 * Submitting a Route53 change batch and waiting until it is INSYNC, within this controller's share of the account's
 * Route53 budget (src/runtime/route53-budget.ts): every call first waits for `acquire` with what it costs, and a
 * Throttling (or PriorRequestNotComplete) answer is retried with jittered exponential backoff through the same budget
 * rather than failing the step.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  type Change,
  type Route53Client,
} from "@aws-sdk/client-route-53";
import { isThrottling } from "../../core/aws-errors.js";

/** What one Route53 call draws from the budget: a request of its action, and for a change batch its record changes. */
export interface Route53Cost {
  action: string;
  /** record changes of a ChangeResourceRecordSets call, counted as Route53 counts them (changeCount) */
  changes?: number;
}

/** The changes a batch costs: Route53 counts an UPSERT twice (a DELETE and a CREATE). */
export function changeCount(changes: readonly { Action?: string }[]): number {
  return changes.reduce((n, c) => n + (c.Action === "UPSERT" ? 2 : 1), 0);
}

/** The one SDK call every Route53 file makes, so tests hand in a fake `send` instead of a client. */
export type Route53Api = Pick<Route53Client, "send">;

export interface BatchOptions {
  /** waits for this controller's share of the account's Route53 budget for one call (route53-budget.ts) */
  acquire: (cost: Route53Cost) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** attempts for a throttled call before giving up */
  maxAttempts?: number;
  /** the first wait between GetChange polls; each next one is twice as long, up to maxPollIntervalMs */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** What every Route53 call needs: a turn under the account's quota, and how to back off when throttled anyway. */
export type QuotaOptions = Pick<BatchOptions, "acquire" | "sleep" | "random" | "maxAttempts">;

/** Calls `send` under the quota, retrying throttling with full-jitter backoff (base 200 ms, cap 10 s). */
export async function withQuota<T>(options: QuotaOptions, cost: Route53Cost, send: () => Promise<T>): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    await options.acquire(cost);
    try {
      return await send();
    } catch (error) {
      if (!isThrottling(error) || attempt >= maxAttempts) throw error;
      await options.sleep(random() * Math.min(10_000, 200 * 2 ** (attempt - 1)));
    }
  }
}

/** Submits one batch (all or nothing, as Route53 applies it) and returns its change id. */
export async function submitBatch(
  api: Route53Api,
  hostedZoneId: string,
  changes: Change[],
  comment: string,
  options: BatchOptions,
): Promise<string> {
  const cost = { action: "ChangeResourceRecordSets", changes: changeCount(changes) };
  const result = await withQuota(options, cost, () =>
    api.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: { Comment: comment.slice(0, 256), Changes: changes },
      }),
    ),
  );
  const id = result.ChangeInfo?.Id;
  if (!id) throw new Error("Route53 accepted the change batch but returned no change id");
  return id;
}

/**
 * Waits until Route53 reports the change INSYNC (propagated to its DNS servers): asked at once (a change can be INSYNC
 * within a second), then at growing intervals, since propagation usually takes seconds to a minute and every poll is a
 * request of the account's budget.
 */
export async function waitInsync(api: Route53Api, changeId: string, options: BatchOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 300_000);
  let interval = options.pollIntervalMs ?? 1000;
  for (;;) {
    const result = await withQuota(options, { action: "GetChange" }, () =>
      api.send(new GetChangeCommand({ Id: changeId })),
    );
    if (result.ChangeInfo?.Status === "INSYNC") return;
    if (now() > deadline) throw new Error(`Route53 change ${changeId} was not INSYNC in time`);
    await options.sleep(interval);
    interval = Math.min(interval * 2, options.maxPollIntervalMs ?? 10_000);
  }
}
