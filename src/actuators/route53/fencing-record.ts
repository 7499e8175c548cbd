/**
 * The fencing record on Route53 (invariant 1): read the policy's TXT record, and move the active region by one change
 * batch that swaps the record (DELETE the exact value read, CREATE the next epoch) together with the weight changes.
 * Route53 applies the batch whole or not at all, so of two controllers that race, exactly one wins; the loser gets
 * InvalidChangeBatch, changes nothing, and must re-read the world.
 */
import { ListResourceRecordSetsCommand, type Change, type ResourceRecordSet } from "@aws-sdk/client-route-53";
import { recordRunFinished } from "../../core/dampening/transition-log.js";
import {
  fenceChange,
  fencingRecordSet,
  parseFencingValue,
  type FencingRecord,
  type TxtRecordSet,
} from "../../core/plan/fencing.js";
import { submitBatch, waitInsync, withQuota, type BatchOptions, type Route53Api } from "./change-batch.js";
import { fqdn } from "./record-sets.js";

export interface FencingLocation {
  hostedZoneId: string;
  recordName: string;
  ttlSeconds: number;
}

export interface ObservedFence {
  set: TxtRecordSet;
  record: FencingRecord;
}

/** The current fencing record, undefined when there is none; throws on a TXT value that is not a fencing record. */
export async function readFence(
  api: Route53Api,
  where: FencingLocation,
  options: BatchOptions,
): Promise<ObservedFence | undefined> {
  const page = await withQuota(options, { action: "ListResourceRecordSets" }, () =>
    api.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: where.hostedZoneId,
        StartRecordName: fqdn(where.recordName),
        StartRecordType: "TXT",
        MaxItems: 1,
      }),
    ),
  );
  return fenceIn(page.ResourceRecordSets ?? [], where);
}

/**
 * The fencing record among record sets already listed (one listing can serve many readers), undefined when it is not
 * there; throws on a TXT value that is not a fencing record.
 */
export function fenceIn(
  records: readonly ResourceRecordSet[],
  where: Pick<FencingLocation, "recordName" | "ttlSeconds">,
): ObservedFence | undefined {
  const found = records.find((r) => r.Type === "TXT" && fqdn(r.Name ?? "") === fqdn(where.recordName));
  if (!found) return undefined;
  const value = (found.ResourceRecords ?? []).map((r) => r.Value ?? "").join(" ");
  const parsed = parseFencingValue(value);
  if (!parsed.ok) throw new Error(`the TXT record ${where.recordName} is not a fencing record: ${parsed.error}`);
  return {
    set: { name: found.Name ?? where.recordName, ttl: found.TTL ?? where.ttlSeconds, value },
    record: parsed.record,
  };
}

export type SwapResult =
  { won: true; record: FencingRecord; changeId: string } | { won: false; reason: "LostFencingRace"; message: string };

/**
 * Swaps the fencing record from `current` (exactly as read) to `next`, with `weightChanges` in the same batch, and
 * waits until Route53 has it INSYNC.
 */
export async function swapFence(
  api: Route53Api,
  where: FencingLocation,
  current: ObservedFence | undefined,
  next: FencingRecord,
  weightChanges: Change[],
  options: BatchOptions,
): Promise<SwapResult> {
  const fence = fenceChange(current?.set, fencingRecordSet(fqdn(where.recordName), where.ttlSeconds, next));
  let changeId: string;
  try {
    changeId = await submitBatch(
      api,
      where.hostedZoneId,
      [...fence, ...weightChanges],
      `switchyard: ${next.active} active at epoch ${next.epoch}${next.run ? ` (${next.run})` : ""}`,
      options,
    );
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === "InvalidChangeBatch") {
      return {
        won: false,
        reason: "LostFencingRace",
        message: `the fencing record changed since it was read (${(error as Error).message}); nothing was changed`,
      };
    }
    throw error;
  }
  await waitInsync(api, changeId, options);
  return { won: true, record: next, changeId };
}

/**
 * Marks the move of `run` finished in the record it wrote (the same epoch, "busy" cleared), so every controller sees
 * at once that no move is in progress. A compare-and-swap like any other: a record that moved on since is left as it
 * is. Returns whether anything was written.
 */
export async function finishMove(
  api: Route53Api,
  where: FencingLocation,
  run: string,
  options: BatchOptions,
): Promise<boolean> {
  const current = await readFence(api, where, options);
  const next = recordRunFinished(current?.record, run);
  if (current === undefined || next === undefined) return false;
  const change = fenceChange(current.set, fencingRecordSet(fqdn(where.recordName), where.ttlSeconds, next));
  try {
    // Not waited for INSYNC: nothing acts on it but the next decisions, which read it again anyway.
    await submitBatch(api, where.hostedZoneId, change, `switchyard: the move of ${run} is over`, options);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === "InvalidChangeBatch") return false;
    throw error;
  }
}
