/**
 * Route53 weighted records: observe the weights a plan step cares about, and compute the changes that bring them to the
 * step's target — idempotence by observation: a record already at its target weight yields no change at all.
 * Pure apart from `observeWeightedRecords`, which only reads.
 */
import type { Change, ResourceRecordSet } from "@aws-sdk/client-route-53";
import type { QuotaOptions, Route53Api } from "./change-batch.js";
import { readRecordSets, keyOf } from "./record-sets.js";

export interface WeightTarget {
  hostedZoneId: string;
  recordName: string;
  type: "A" | "AAAA" | "CNAME";
  /** region → SetIdentifier of that region's weighted record */
  setIdentifiers: Record<string, string>;
  /** region → weight wanted (regions not named keep theirs) */
  weights: Record<string, number>;
}

/** A name's weighted records, by SetIdentifier, from its record sets as listed. */
export function bySetIdentifier(records: readonly ResourceRecordSet[]): Map<string, ResourceRecordSet> {
  const sets = new Map<string, ResourceRecordSet>();
  for (const record of records) if (record.SetIdentifier !== undefined) sets.set(record.SetIdentifier, record);
  return sets;
}

/** The weighted records of one name and type, by SetIdentifier. */
export async function observeWeightedRecords(
  api: Route53Api,
  target: Pick<WeightTarget, "hostedZoneId" | "recordName" | "type">,
  quota: QuotaOptions,
): Promise<Map<string, ResourceRecordSet>> {
  const key = { name: target.recordName, type: target.type };
  const read = await readRecordSets(api, target.hostedZoneId, [key], quota);
  return bySetIdentifier(read.get(keyOf(key)) ?? []);
}

export interface WeightPlan {
  /** UPSERTs for the records whose weight differs; empty when everything already matches */
  changes: Change[];
  /** region → weight observed before any change (for the journal's `before`, and Restore) */
  before: Record<string, number>;
  /** regions whose record does not exist: a step cannot invent a record's target, so these are errors */
  missing: string[];
}

/** The changes that bring the observed records to the target weights, keeping every other field of each record. */
export function planWeights(target: WeightTarget, observed: Map<string, ResourceRecordSet>): WeightPlan {
  const changes: Change[] = [];
  const before: Record<string, number> = {};
  const missing: string[] = [];
  for (const [region, setIdentifier] of Object.entries(target.setIdentifiers)) {
    const record = observed.get(setIdentifier);
    if (!record) {
      if (region in target.weights) missing.push(region);
      continue;
    }
    before[region] = record.Weight ?? 0;
    const wanted = target.weights[region];
    if (wanted === undefined || record.Weight === wanted) continue;
    changes.push({ Action: "UPSERT", ResourceRecordSet: { ...record, Weight: wanted } });
  }
  return { changes, before, missing };
}

/** The weights every region would have after the plan: what the never-zero guard looks at. */
export function resultingWeights(target: WeightTarget, before: Record<string, number>): Record<string, number> {
  const after: Record<string, number> = { ...before };
  for (const [region, weight] of Object.entries(target.weights)) if (region in after) after[region] = weight;
  return after;
}
