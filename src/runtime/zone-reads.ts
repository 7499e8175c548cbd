/**
 * Record-set reads shared by every policy of a hosted zone (design 2a, "Mind the Route53 limits"): each reconcile
 * asks for its fencing record no older than it can accept, and the record comes from the last listing of its zone
 * when that is recent enough; otherwise from the next listing, which reads every record asked for in the zone at once
 * (record-sets.ts: one request per run of neighbouring names). Readers that arrive together share that listing, so
 * the cost follows zones and freshness, not policies.
 */
import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import type { QuotaOptions, Route53Api } from "../actuators/route53/change-batch.js";
import { keyOf, readRecordSets, type RecordKey } from "../actuators/route53/record-sets.js";

export interface ZoneReads {
  /** The record sets of `key` in the zone, from a listing made at most `maxAgeMs` ago. */
  read(hostedZoneId: string, key: RecordKey, maxAgeMs: number): Promise<ResourceRecordSet[]>;
}

interface Listing {
  at: number;
  sets: Map<string, ResourceRecordSet[]>;
}

interface Zone {
  /** every key asked for, with when it last was: a key nobody asks for any more is dropped from the listings */
  wanted: Map<string, { key: RecordKey; askedAt: number }>;
  last?: Listing;
  /** the next listing, not started yet: readers that come now are in it */
  next?: Promise<Listing>;
  running?: Promise<Listing>;
}

export interface ZoneReadOptions {
  /** how long a listing waits for more readers before it starts */
  gatherMs?: number;
  /** a key not asked for this long is no longer listed */
  forgetAfterMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function zoneReads(api: Route53Api, quota: QuotaOptions, options: ZoneReadOptions = {}): ZoneReads {
  const now = options.now ?? Date.now;
  const gatherMs = options.gatherMs ?? 50;
  const forgetAfterMs = options.forgetAfterMs ?? 600_000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const zones = new Map<string, Zone>();

  function list(hostedZoneId: string, zone: Zone): Promise<Listing> {
    if (zone.next) return zone.next;
    const after = zone.running ?? Promise.resolve();
    const next: Promise<Listing> = after
      .catch(() => undefined)
      .then(() => sleep(gatherMs))
      .then(async () => {
        zone.next = undefined;
        zone.running = next;
        const at = now();
        for (const [k, w] of zone.wanted) if (at - w.askedAt > forgetAfterMs) zone.wanted.delete(k);
        const keys = [...zone.wanted.values()].map((w) => w.key);
        const listing = { at, sets: await readRecordSets(api, hostedZoneId, keys, quota) };
        zone.last = listing;
        return listing;
      })
      .finally(() => {
        if (zone.running === next) zone.running = undefined;
      });
    zone.next = next;
    return next;
  }

  return {
    async read(hostedZoneId, key, maxAgeMs) {
      const zone: Zone = zones.get(hostedZoneId) ?? { wanted: new Map() };
      zones.set(hostedZoneId, zone);
      const k = keyOf(key);
      zone.wanted.set(k, { key, askedAt: now() });
      const last = zone.last;
      if (last && now() - last.at <= maxAgeMs) {
        const sets = last.sets.get(k);
        if (sets) return sets;
      }
      return (await list(hostedZoneId, zone)).sets.get(k) ?? [];
    },
  };
}
