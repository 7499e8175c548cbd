import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import { describe, expect, it } from "vitest";
import { FakeZone } from "../actuators/route53/testing.js";
import { zoneReads } from "./zone-reads.js";

const quota = { acquire: () => Promise.resolve(), sleep: () => Promise.resolve() };
const txt = (name: string, value: string): ResourceRecordSet => ({
  Name: `${name}.`,
  Type: "TXT",
  TTL: 60,
  ResourceRecords: [{ Value: `"${value}"` }],
});
const fences = (n: number, value = "v1") => Array.from({ length: n }, (_, i) => txt(`_fence-${i}.example.com`, value));
const key = (i: number) => ({ name: `_fence-${i}.example.com`, type: "TXT" });
const valueOf = (sets: ResourceRecordSet[]) => sets[0]?.ResourceRecords?.[0]?.Value;

function reader(zone: FakeZone) {
  let clock = 1_000_000;
  const reads = zoneReads(zone.api, quota, { now: () => clock, sleep: () => Promise.resolve() });
  return { reads, advance: (ms: number) => (clock += ms) };
}

describe("zone reads shared by the policies of a zone", () => {
  it("serves readers that come together from one listing", async () => {
    const zone = new FakeZone(fences(100));
    const { reads } = reader(zone);
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => reads.read("Z1", key(i), 30_000)));
    expect(all.every((sets) => valueOf(sets) === '"v1"')).toBe(true);
    expect(zone.requests).toBe(1);
  });

  it("answers from the last listing while it is young enough, and lists again once it is not", async () => {
    const zone = new FakeZone(fences(3));
    const { reads, advance } = reader(zone);
    await Promise.all([0, 1, 2].map((i) => reads.read("Z1", key(i), 30_000)));
    zone.set(fences(3, "v2"));
    advance(10_000);
    expect(valueOf(await reads.read("Z1", key(1), 30_000))).toBe('"v1"');
    expect(zone.requests).toBe(1);
    // A reader that needs it fresher lists the zone again, for everyone.
    expect(valueOf(await reads.read("Z1", key(1), 5_000))).toBe('"v2"');
    expect(valueOf(await reads.read("Z1", key(2), 30_000))).toBe('"v2"');
    expect(zone.requests).toBe(2);
  });

  it("lists a key asked for the first time even when the last listing is young", async () => {
    const zone = new FakeZone(fences(3));
    const { reads } = reader(zone);
    await reads.read("Z1", key(0), 30_000);
    expect(valueOf(await reads.read("Z1", key(2), 30_000))).toBe('"v1"');
    expect(zone.requests).toBe(2);
  });

  it("reports a failed listing to its readers, keeps the last one, and tries again on the next read", async () => {
    const zone = new FakeZone(fences(2));
    const { reads, advance } = reader(zone);
    await reads.read("Z1", key(0), 5_000);
    advance(6_000);
    zone.failNext = 1;
    await expect(reads.read("Z1", key(0), 5_000)).rejects.toThrow("Rate exceeded");
    expect(valueOf(await reads.read("Z1", key(0), 30_000))).toBe('"v1"');
    expect(valueOf(await reads.read("Z1", key(0), 5_000))).toBe('"v1"');
    expect(zone.requests).toBe(3);
  });

  it("stops listing a record nobody asks for any more", async () => {
    // 300 names between the two records: a page from the first does not reach the second.
    const filler = Array.from({ length: 300 }, (_, i) => txt(`m${i}.example.com`, "x"));
    const zone = new FakeZone([...fences(1), ...filler, txt("zz.example.com", "x")]);
    const { reads, advance } = reader(zone);
    const far = { name: "zz.example.com", type: "TXT" };
    await Promise.all([reads.read("Z1", key(0), 5_000), reads.read("Z1", far, 5_000)]);
    expect(zone.requests).toBe(2);
    advance(700_000);
    await reads.read("Z1", key(0), 5_000);
    expect(zone.requests).toBe(3);
  });

  it("an absent record reads as none", async () => {
    const zone = new FakeZone(fences(1));
    const { reads } = reader(zone);
    expect(await reads.read("Z1", key(5), 5_000)).toEqual([]);
  });
});
