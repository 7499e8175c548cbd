import { describe, expect, it } from "vitest";
import { measuredRpo, measuredRto } from "./measured.js";
import { at, cleanJournal, entry } from "./testing.js";

describe("measuredRto", () => {
  it("runs from the start to whichever came later: traffic moved or writer promoted", () => {
    expect(measuredRto({ startedAt: at(0), journal: cleanJournal() })).toEqual({
      seconds: 20,
      breachAt: at(0),
      trafficShiftedAt: at(5),
      writerPromotedAt: at(20),
    });
  });

  it.each([
    [
      "traffic moved last",
      [entry("db", "rdsPromoteReplica", { finishedAt: at(3) }), entry("dns", "route53", { finishedAt: at(9) })],
      9,
    ],
    ["no database step", [entry("dns", "route53", { finishedAt: at(9) })], 9],
    ["no traffic step", [entry("db", "auroraGlobal", { finishedAt: at(3) })], 3],
  ])("ends at the steps that ran (%s)", (_case, journal, seconds) => {
    expect(measuredRto({ startedAt: at(0), journal })?.seconds).toBe(seconds);
  });

  it("is rounded to a tenth of a second", () => {
    const journal = [entry("dns", "route53", { finishedAt: "2025-01-01T12:00:09.46Z" })];
    expect(measuredRto({ startedAt: at(0), journal })?.seconds).toBe(9.5);
  });

  it("counts only succeeded steps", () => {
    const journal = [entry("dns", "route53", { state: "Failed" }), entry("db", "auroraGlobal", { state: "Skipped" })];
    expect(measuredRto({ startedAt: at(0), journal })).toBeUndefined();
  });

  it("needs a start", () => {
    expect(measuredRto({ journal: cleanJournal() })).toBeUndefined();
  });
});

describe("measuredRpo", () => {
  const promoted = (kind: "auroraGlobal" | "rdsPromoteReplica", rpo: unknown) =>
    entry("promote-db", kind, { observed: { rpo } });

  it.each(["auroraGlobal", "rdsPromoteReplica"] as const)("is what the %s step recorded", (kind) => {
    const journal = [promoted(kind, { seconds: 1.5, source: "ReplicaLag" })];
    expect(measuredRpo({ journal })).toEqual({ seconds: 1.5, source: "ReplicaLag" });
  });

  it("bounds the source to what the CRD holds", () => {
    const journal = [promoted("auroraGlobal", { seconds: 0, source: "x".repeat(300) })];
    expect(measuredRpo({ journal })?.source).toHaveLength(256);
  });

  it.each([
    ["nothing promoted", [entry("dns", "route53", { observed: { rpo: { seconds: 1 } } })]],
    ["the promotion failed", [entry("db", "auroraGlobal", { state: "Failed", observed: { rpo: { seconds: 1 } } })]],
    ["no seconds recorded", [promoted("rdsPromoteReplica", { source: "ReplicaLag" })]],
  ])("is absent when %s", (_case, journal) => {
    expect(measuredRpo({ journal })).toBeUndefined();
  });
});
