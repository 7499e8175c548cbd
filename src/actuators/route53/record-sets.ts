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

/** Where a page of a listing starts: a name and type, and within a weighted name an identifier. */
interface ListingStart {
  name?: string;
  type?: string;
  identifier?: string;
}

/** One page of the zone's listing from `start` (up to 300 record sets), within the budget. */
function listPage(api: Route53Api, hostedZoneId: string, start: ListingStart, quota: QuotaOptions) {
  return withQuota(quota, { action: "ListResourceRecordSets" }, () =>
    api.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        StartRecordName: start.name,
        StartRecordType: start.type as ResourceRecordSet["Type"],
        StartRecordIdentifier: start.identifier,
      }),
    ),
  );
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
  let next: ListingStart = start;
  for (;;) {
    const page = await listPage(api, hostedZoneId, next, quota);
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
 * The record sets of `keys` in one zone, by key (keyOf), with as few requests as Route53 allows: each request starts
 * at the first key still unread and serves every key on its page (one request for neighbours, one per run of
 * neighbouring names for many keys of a zone); a key whose sets run past a page's end is continued where the page
 * ended. A key with no record set maps to an empty list.
 */
export async function readRecordSets(
  api: Route53Api,
  hostedZoneId: string,
  keys: readonly RecordKey[],
  quota: QuotaOptions,
): Promise<Map<string, ResourceRecordSet[]>> {
  let pending = [...new Map(keys.map((k) => [keyOf(k), k])).values()].sort(listingOrder);
  const found = new Map(pending.map((k) => [keyOf(k), [] as ResourceRecordSet[]]));
  let from: ListingStart | undefined;
  while (pending[0]) {
    const head = keyOf(pending[0]);
    const start = from ?? { name: fqdn(pending[0].name), type: pending[0].type };
    const page = await listPage(api, hostedZoneId, start, quota);
    const unread = new Set(pending.map(keyOf));
    const onPage = new Map<string, ResourceRecordSet[]>();
    const records = page.ResourceRecordSets ?? [];
    for (const record of records) {
      const key = keyOf(recordKey(record));
      if (unread.has(key)) onPage.set(key, [...(onPage.get(key) ?? []), record]);
    }
    const last = records.at(-1);
    const cutOff = page.IsTruncated && last ? keyOf(recordKey(last)) : undefined;
    // The head was listed from where it starts (or is continued), so the page holds the rest of it (none: it does not
    // exist). Another key is complete when the page holds some of it: a key's sets are neighbours, whatever Route53's
    // exact order. Both unless the page ends inside them.
    const complete = (key: string) => key !== cutOff && (key === head || (onPage.get(key)?.length ?? 0) > 0);
    // A continued head adds to what earlier pages held of it; a key read whole on this page is what it holds.
    found.set(head, [...(from ? (found.get(head) ?? []) : []), ...(onPage.get(head) ?? [])]);
    for (const [key, sets] of onPage) if (key !== head && complete(key)) found.set(key, sets);
    pending = pending.filter((k) => !complete(keyOf(k)));
    const continued = pending[0] !== undefined && keyOf(pending[0]) === cutOff;
    // The key the page ends inside is continued where it ended when it is next; otherwise read from its start later.
    if (continued && cutOff !== head) found.set(cutOff, onPage.get(cutOff) ?? []);
    from = continued
      ? { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier }
      : undefined;
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
