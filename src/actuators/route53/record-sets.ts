/**
 * Reading a hosted zone's record sets. Route53 lists a zone in one order (names with their labels reversed, then type)
 * and a page holds up to 300 record sets, so the records one step needs — a name's weighted records and the policy's
 * fencing record, usually neighbours — come from one request, and many readers can share one listing of a zone.
 */
import { ListResourceRecordSetsCommand, type ResourceRecordSet } from "@aws-sdk/client-route-53";
import { withQuota, type QuotaOptions, type Route53Api } from "./change-batch.js";

/** Route53 answers names fully qualified, with a trailing dot. */
export const fqdn = (name: string) => (name.endsWith(".") ? name : `${name}.`);

/** A record set's name and type: what a reader asks for (a weighted name's sets share one key). */
export interface RecordKey {
  name: string;
  type: string;
}

export const keyOf = (key: RecordKey): string => `${fqdn(key.name).toLowerCase()}/${key.type}`;

/** Route53's listing order: the name with its labels reversed ("com.example.www"), then the type. */
export function listingOrder(a: RecordKey, b: RecordKey): number {
  const reversed = (k: RecordKey) => fqdn(k.name).toLowerCase().split(".").reverse().join(".");
  const [x, y] = [reversed(a), reversed(b)];
  if (x !== y) return x < y ? -1 : 1;
  return a.type === b.type ? 0 : a.type < b.type ? -1 : 1;
}

/**
 * Record sets of a zone in Route53's order, read page by page from `start` for as long as `more` says the records
 * still matter.
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

const recordKey = (r: ResourceRecordSet): RecordKey => ({ name: r.Name ?? "", type: r.Type ?? "" });

/**
 * The record sets of `keys` in one zone, by key (keyOf), with as few requests as Route53 allows: one page from the
 * first key in listing order serves every key it holds (one request when the keys are neighbours); a key the page
 * does not hold, or whose sets run past its end, is read on its own from where it starts. A key with no record set
 * maps to an empty list.
 */
export async function readRecordSets(
  api: Route53Api,
  hostedZoneId: string,
  keys: readonly RecordKey[],
  quota: QuotaOptions,
): Promise<Map<string, ResourceRecordSet[]>> {
  const wanted = [...new Map(keys.map((k) => [keyOf(k), k])).values()].sort(listingOrder);
  const found = new Map(wanted.map((k) => [keyOf(k), [] as ResourceRecordSet[]]));
  const first = wanted[0];
  if (!first) return found;
  const page = await withQuota(quota, { action: "ListResourceRecordSets" }, () =>
    api.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        StartRecordName: fqdn(first.name),
        StartRecordType: first.type as ResourceRecordSet["Type"],
      }),
    ),
  );
  const records = page.ResourceRecordSets ?? [];
  for (const record of records) found.get(keyOf(recordKey(record)))?.push(record);
  const last = records.at(-1);
  // A key is complete when the page holds some of its sets and ends with another key's: a key's sets are neighbours
  // in the listing. That holds whatever Route53's exact order is; the order above only picks where the page starts.
  const complete = (k: RecordKey) =>
    !page.IsTruncated ||
    ((found.get(keyOf(k))?.length ?? 0) > 0 && last !== undefined && keyOf(recordKey(last)) !== keyOf(k));
  for (const key of wanted) {
    if (complete(key)) continue;
    // Not on the page, or cut off at its end: read from its start, so a key's sets come from one listing.
    const name = fqdn(key.name).toLowerCase();
    const own = await listRecordSets(
      api,
      hostedZoneId,
      quota,
      { name: fqdn(key.name), type: key.type },
      (r) => fqdn(r.Name ?? "").toLowerCase() === name && r.Type === key.type,
    );
    found.set(keyOf(key), own);
  }
  return found;
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
