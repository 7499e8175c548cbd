import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyOf, listingOrder, readRecordSets } from "./record-sets.js";
import { FakeZone } from "./testing.js";

const quota = { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() };
const ids = (sets: ResourceRecordSet[] | undefined) => (sets ?? []).map((r) => `${r.Name}/${r.SetIdentifier}`).sort();

/** A zone of `names` (labels under example.com), each with `weighted` CNAME sets or one TXT record. */
function zoneOf(names: { label: string; weighted: number }[]): ResourceRecordSet[] {
  return names.flatMap(({ label, weighted }): ResourceRecordSet[] =>
    weighted === 0
      ? [{ Name: `${label}.example.com.`, Type: "TXT" as const, TTL: 60, ResourceRecords: [{ Value: '"x"' }] }]
      : Array.from({ length: weighted }, (_, i) => ({
          Name: `${label}.example.com.`,
          Type: "CNAME" as const,
          SetIdentifier: `s${i}`,
          Weight: i,
          TTL: 60,
          ResourceRecords: [{ Value: `${label}-${i}.example.com` }],
        })),
  );
}

describe("listing order", () => {
  it("compares names with their labels reversed, then types", () => {
    expect(listingOrder({ name: "b.example.com", type: "A" }, { name: "a.other.com", type: "A" })).toBeLessThan(0);
    expect(
      listingOrder({ name: "_fence.api.example.com", type: "TXT" }, { name: "api.example.com", type: "CNAME" }),
    ).toBeGreaterThan(0);
    expect(listingOrder({ name: "API.example.com.", type: "TXT" }, { name: "api.example.com", type: "TXT" })).toBe(0);
  });
});

describe("reading the record sets of several keys", () => {
  it("returns exactly each key's sets, in fewer requests than one a key, however the zone is laid out", async () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ label, weighted: fc.integer({ min: 0, max: 7 }) }), {
          selector: (n) => n.label,
          minLength: 1,
          maxLength: 60,
        }),
        fc.array(fc.oneof(label, fc.constant("absent")), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 2, max: 20 }),
        async (names, picked, pageSize) => {
          const records = zoneOf(names);
          const zone = new FakeZone(records);
          const paged = {
            send: ((command: { input: { MaxItems?: number } }) => {
              command.input.MaxItems = pageSize;
              return zone.api.send(command as never);
            }) as typeof zone.api.send,
          };
          const keys = picked.map((l) => {
            const known = names.find((n) => n.label === l);
            return { name: `${l}.example.com`, type: known?.weighted === 0 ? "TXT" : "CNAME" };
          });
          const read = await readRecordSets(paged, "Z1", keys, quota);
          for (const key of keys) {
            const want = records.filter((r) => keyOf({ name: r.Name ?? "", type: r.Type ?? "" }) === keyOf(key));
            expect(ids(read.get(keyOf(key)))).toEqual(ids(want));
          }
          // One request a distinct key at most, plus one a page its own sets fill.
          const distinct = new Set(keys.map(keyOf)).size;
          const pages = keys.reduce((n, k) => n + Math.floor((read.get(keyOf(k))?.length ?? 0) / pageSize), 0);
          expect(zone.requests).toBeLessThanOrEqual(distinct + pages);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("serves neighbouring keys from one request", async () => {
    const zone = new FakeZone([
      ...zoneOf([{ label: "api", weighted: 2 }]),
      { Name: "_fence.api.example.com.", Type: "TXT", TTL: 60, ResourceRecords: [{ Value: '"f"' }] },
    ]);
    const keys = [
      { name: "api.example.com", type: "CNAME" },
      { name: "_fence.api.example.com", type: "TXT" },
    ];
    const read = await readRecordSets(zone.api, "Z1", keys, quota);
    expect(zone.requests).toBe(1);
    expect(ids(read.get(keyOf(keys[0]!)))).toEqual(["api.example.com./s0", "api.example.com./s1"]);
    expect(read.get(keyOf(keys[1]!))).toHaveLength(1);
  });
});
