/**
 * Route53 weighted records: observe the weights a plan step cares about, and compute the changes that bring them to the
 * step's target — idempotence by observation: a record already at its target weight yields no change at all.
 * Pure apart from `observeWeights`, which only reads.
 */
import {
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
  type Route53Client,
} from "@aws-sdk/client-route-53";

export type Route53Api = Pick<Route53Client, "send">;

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

/** The weighted records of one name and type, by SetIdentifier, read in pages. */
export async function observeWeightedRecords(
  api: Route53Api,
  target: Pick<WeightTarget, "hostedZoneId" | "recordName" | "type">,
  acquire: () => Promise<void>,
): Promise<Map<string, ResourceRecordSet>> {
  const records = new Map<string, ResourceRecordSet>();
  let start: { name?: string; type?: string; identifier?: string } = {
    name: fqdn(target.recordName),
    type: target.type,
  };
  for (;;) {
    await acquire();
    const page = await api.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: target.hostedZoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as ResourceRecordSet["Type"],
        StartRecordIdentifier: start.identifier,
      }),
    );
    let passed = false;
    for (const record of page.ResourceRecordSets ?? []) {
      if (fqdn(record.Name ?? "") !== fqdn(target.recordName) || record.Type !== target.type) {
        passed = true;
        break;
      }
      if (record.SetIdentifier !== undefined) records.set(record.SetIdentifier, record);
    }
    if (passed || !page.IsTruncated) return records;
    start = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
  }
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
