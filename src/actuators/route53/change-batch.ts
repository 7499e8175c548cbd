/**
 * Submitting a Route53 change batch and waiting until it is INSYNC, within the account's API quota (about five
 * requests a second, shared by every controller of the account): every call first takes a token from `acquire`, and a
 * Throttling answer is retried with jittered exponential backoff rather than failing the step.
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  type Change,
  type Route53Client,
} from "@aws-sdk/client-route-53";

/** The one SDK call every Route53 file makes, so tests hand in a fake `send` instead of a client. */
export type Route53Api = Pick<Route53Client, "send">;

export interface BatchOptions {
  acquire: () => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  random?: () => number;
  /** attempts for a throttled call before giving up */
  maxAttempts?: number;
  pollIntervalMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** What every Route53 call needs: a turn under the account's quota, and how to back off when throttled anyway. */
export type QuotaOptions = Pick<BatchOptions, "acquire" | "sleep" | "random" | "maxAttempts">;

const throttled = (error: unknown) => {
  const name = (error as { name?: string }).name ?? "";
  return name === "Throttling" || name === "ThrottlingException" || name === "PriorRequestNotComplete";
};

/** Calls `send` under the quota, retrying throttling with full-jitter backoff (base 200 ms, cap 10 s). */
export async function withQuota<T>(options: QuotaOptions, send: () => Promise<T>): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    await options.acquire();
    try {
      return await send();
    } catch (error) {
      if (!throttled(error) || attempt >= maxAttempts) throw error;
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
  const result = await withQuota(options, () =>
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

/** Waits until Route53 reports the change INSYNC (propagated to its DNS servers). */
export async function waitInsync(api: Route53Api, changeId: string, options: BatchOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + (options.timeoutMs ?? 300_000);
  for (;;) {
    const result = await withQuota(options, () => api.send(new GetChangeCommand({ Id: changeId })));
    if (result.ChangeInfo?.Status === "INSYNC") return;
    if (now() > deadline) throw new Error(`Route53 change ${changeId} was not INSYNC in time`);
    await options.sleep(options.pollIntervalMs ?? 1000);
  }
}
