/**
 * Route53 weighted records: observe the weights a plan step cares about, and compute the changes that bring them to the
 * step's target — idempotence by observation: a record already at its target weight yields no change at all.
 * Pure apart from `observeWeights`, which only reads.
 */
import { withQuota, type QuotaOptions, type Route53Api } from "./change-batch.js";
import { ListResourceRecordSetsCommand, type Change, type ResourceRecordSet } from "@aws-sdk/client-route-53";

export interface WeightTarget {
  hostedZoneId: string;
  recordName: string;
  type: "A" | "AAAA" | "CNAME";
  /** region → SetIdentifier of that region's weighted record */
  setIdentifiers: Record<string, string>;
  /** region → weight wanted (regions not named keep theirs) */
  weights: Record<string, number>;
}

/** Route53 answers names fully qualified, with a trailing dot. */
export const fqdn = (name: string) => (name.endsWith(".") ? name : `${name}.`);

/**
 * Record sets of a zone in Route53's order (name, then type), read page by page from `start` for as long as `more`
 * says the records still matter. One listing serves every record name of a zone, which is what keeps a failover of
 * many names within the account's request quota.
 */
export async function listRecordSets(
  api: Route53Api,
  hostedZoneId: string,
  quota: QuotaOptions,
  start: { name?: string; type?: string } = {},
  more: (record: ResourceRecordSet) => boolean = () => true,
): Promise<ResourceRecordSet[]> {
  const records: ResourceRecordSet[] = [];
  let next: { name?: string; type?: string; identifier?: string } = start;
  for (;;) {
    const from = next;
    const page = await withQuota(quota, { action: "ListResourceRecordSets" }, () =>
      api.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: from.name,
          StartRecordType: from.type as ResourceRecordSet["Type"],
          StartRecordIdentifier: from.identifier,
        }),
      ),
    );
    for (const record of page.ResourceRecordSets ?? []) {
      if (!more(record)) return records;
      records.push(record);
    }
    if (!page.IsTruncated) return records;
    next = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
  }
}

/** Weighted records keyed by name (fully qualified), then SetIdentifier. */
export function weightedByName(records: ResourceRecordSet[]): Map<string, Map<string, ResourceRecordSet>> {
  const byName = new Map<string, Map<string, ResourceRecordSet>>();
  for (const record of records) {
    if (record.SetIdentifier === undefined) continue;
    const key = `${fqdn(record.Name ?? "")}/${record.Type}`;
    const sets = byName.get(key) ?? new Map<string, ResourceRecordSet>();
    sets.set(record.SetIdentifier, record);
    byName.set(key, sets);
  }
  return byName;
}

/** The weighted records of one name and type, by SetIdentifier. */
export async function observeWeightedRecords(
  api: Route53Api,
  target: Pick<WeightTarget, "hostedZoneId" | "recordName" | "type">,
  quota: QuotaOptions,
): Promise<Map<string, ResourceRecordSet>> {
  const name = fqdn(target.recordName);
  const records = await listRecordSets(
    api,
    target.hostedZoneId,
    quota,
    { name, type: target.type },
    (r) => fqdn(r.Name ?? "") === name && r.Type === target.type,
  );
  return weightedByName(records).get(`${name}/${target.type}`) ?? new Map();
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
