import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fenceChange,
  fencingRecordSet,
  formatFencingValue,
  parseFencingValue,
  type FencingRecord,
} from "../plan/fencing.js";
import type { PenaltyConfig } from "./flap-penalty.js";
import { automaticMoveRefusal, recordRunFinished, recordTransition, systemDampening } from "./transition-log.js";

const SEC = 1000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const cfg: PenaltyConfig = {
  perTransition: 1000,
  halfLifeSeconds: 900,
  suppressAbove: 2000,
  reuseBelow: 750,
  maxSuppressSeconds: 3600,
};
const seed: FencingRecord = { active: "us-east-1", epoch: 0 };

function move(current: FencingRecord | undefined, to: string, at: number, run = `run-${at}`): FencingRecord {
  return recordTransition(current, { to, run, by: "auto", now: at, busyForMs: 1800 * SEC }, cfg);
}

describe("the fencing record's transition history", () => {
  it("is written after the run and read back, old records without it still parse", () => {
    const record = move(seed, "eu-west-1", T0 + 1234, "checkout-failover-eu-west-1-x");
    expect(formatFencingValue(record)).toBe(
      `"switchyard active=eu-west-1 epoch=1 run=checkout-failover-eu-west-1-x since=${(T0 + 2000) / SEC} by=auto pen=1000 busy=${(T0 + 2000) / SEC + 1801}"`,
    );
    expect(parseFencingValue(formatFencingValue(record))).toEqual({ ok: true, record });
    expect(parseFencingValue('"switchyard active=eu-west-1 epoch=8"')).toEqual({
      ok: true,
      record: { active: "eu-west-1", epoch: 8 },
    });
  });

  it.each([
    { case: "since without by and pen", value: '"switchyard active=a epoch=1 since=10"' },
    { case: "an unknown mover", value: '"switchyard active=a epoch=1 since=10 by=robot pen=0"' },
    { case: "a fractional penalty", value: '"switchyard active=a epoch=1 since=10 by=auto pen=1.5"' },
    { case: "a malformed busy", value: '"switchyard active=a epoch=1 since=10 by=auto pen=0 busy=soon"' },
  ])("refuses $case rather than dampen on a guess", ({ value }) => {
    expect(parseFencingValue(value).ok).toBe(false);
  });

  it("round-trips every record a run writes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 7200 }), { minLength: 1, maxLength: 12 }), (gaps) => {
        let record: FencingRecord = seed;
        let t = T0;
        for (const [i, gap] of gaps.entries()) {
          t += gap * SEC;
          record = move(record, i % 2 === 0 ? "eu-west-1" : "us-east-1", t);
          expect(parseFencingValue(formatFencingValue(record))).toEqual({ ok: true, record });
        }
      }),
    );
  });
});

describe("systemDampening and automaticMoveRefusal", () => {
  it("counts hold-down from the swap rounded up, never a moment short", () => {
    const record = recordRunFinished(move(seed, "eu-west-1", T0 + 100), `run-${T0 + 100}`);
    expect(record?.history?.since).toBe(T0 + 1000);
    const refusal = automaticMoveRefusal({ record, holdDownSeconds: 10, penalty: cfg, now: T0 + 10_100, run: "next" });
    expect(refusal?.reason).toBe("HoldDown");
  });

  it("refuses a move to the region that is already active under another run (a decision on a stale record)", () => {
    const record = recordRunFinished(move(seed, "eu-west-1", T0), `run-${T0}`);
    const refusal = automaticMoveRefusal({
      record,
      to: "eu-west-1",
      holdDownSeconds: 0,
      penalty: cfg,
      now: T0 + 60_000,
      run: "late",
    });
    expect(refusal?.reason).toBe("TargetAlreadyActive");
  });

  it("holds the next automatic move back for holdDownSeconds after any controller's move", () => {
    const record = recordRunFinished(move(seed, "eu-west-1", T0), `run-${T0}`);
    const refusal = (at: number) =>
      automaticMoveRefusal({ record, holdDownSeconds: 600, penalty: cfg, now: at, run: "next" });
    expect(refusal(T0 + 599 * SEC)?.reason).toBe("HoldDown");
    expect(refusal(T0 + 599 * SEC)?.until).toBe(T0 + 600 * SEC);
    expect(refusal(T0 + 600 * SEC)).toBeUndefined();
  });

  it("sees a move in progress until its run finishes, and at the latest until its deadline", () => {
    const record = move(seed, "eu-west-1", T0, "mover");
    expect(systemDampening(record, cfg, T0 + 5 * SEC).moveInProgress).toEqual({
      run: "mover",
      until: T0 + 1801 * SEC,
    });
    expect(automaticMoveRefusal({ record, holdDownSeconds: 0, penalty: cfg, now: T0 + 5 * SEC })?.reason).toBe(
      "MoveInProgress",
    );
    // The run that made the move is not held back by its own epoch (it resumes after a crash).
    expect(
      automaticMoveRefusal({ record, holdDownSeconds: 600, penalty: cfg, now: T0 + 5 * SEC, run: "mover" }),
    ).toBeUndefined();
    expect(systemDampening(record, cfg, T0 + 1801 * SEC).moveInProgress).toBeUndefined();
    const finished = recordRunFinished(record, "mover");
    expect(systemDampening(finished, cfg, T0 + 5 * SEC).moveInProgress).toBeUndefined();
    expect(recordRunFinished(finished, "mover")).toBeUndefined();
    expect(recordRunFinished(record, "another")).toBeUndefined();
  });

  it("a finished run's bookkeeping is a compare-and-swap of the same epoch, nothing else", () => {
    const record = move(seed, "eu-west-1", T0, "mover");
    const finished = recordRunFinished(record, "mover");
    if (finished === undefined) throw new Error("expected a record");
    const name = "_switchyard.checkout.example.com.";
    const changes = fenceChange(fencingRecordSet(name, 60, record), fencingRecordSet(name, 60, finished));
    expect(changes.map((c) => c.Action)).toEqual(["DELETE", "CREATE"]);
    expect(() =>
      fenceChange(fencingRecordSet(name, 60, record), fencingRecordSet(name, 60, { ...finished, run: "thief" })),
    ).toThrow(RangeError);
  });

  it("suppresses once the system's transitions flap, whichever controllers made them, and releases after", () => {
    let record: FencingRecord = seed;
    const times = [0, 60, 120].map((s) => T0 + s * SEC);
    for (const [i, at] of times.entries()) record = move(record, i % 2 === 0 ? "eu-west-1" : "us-east-1", at);
    const d = systemDampening(record, cfg, T0 + 121 * SEC);
    expect(d.suppressed).toBe(true);
    expect(record.history?.suppressedSince).toBeDefined();
    const finished = recordRunFinished(record, `run-${T0 + 120 * SEC}`);
    const at = (s: number) =>
      automaticMoveRefusal({ record: finished, holdDownSeconds: 30, penalty: cfg, now: T0 + s * SEC })?.reason;
    expect(at(200)).toBe("FlapSuppressed");
    expect(d.suppressedUntil).toBeDefined();
    expect(at((d.suppressedUntil ?? 0) / SEC - T0 / SEC + 1)).toBeUndefined();
  });

  it("never suppresses for longer than maxSuppressSeconds after its start, however the moves went", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 20 }), (gaps) => {
        let record: FencingRecord = seed;
        let t = T0;
        for (const [i, gap] of gaps.entries()) {
          t += gap * SEC;
          record = move(record, i % 2 === 0 ? "eu-west-1" : "us-east-1", t);
          const since = record.history?.suppressedSince;
          if (since !== undefined) {
            expect(systemDampening(record, cfg, since + cfg.maxSuppressSeconds * SEC).suppressed).toBe(false);
          }
        }
      }),
    );
  });
});
