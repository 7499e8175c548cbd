import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runsToPrune, type RunSummary } from "./history.js";

const run = (name: string, phase: string | undefined, finishedAt?: string): RunSummary => ({
  name,
  ...(phase ? { phase } : {}),
  ...(finishedAt ? { finishedAt } : {}),
});

describe("runsToPrune", () => {
  it("keeps everything within the limit", () => {
    expect(runsToPrune([run("a", "Succeeded", "2026-01-01T00:00:00Z")], 1)).toEqual([]);
  });

  it("deletes the oldest finished runs first, never one in progress", () => {
    const runs = [
      run("running-old", "Running"),
      run("new", "Failed", "2026-01-03T00:00:00Z"),
      run("old", "Succeeded", "2026-01-01T00:00:00Z"),
      run("mid", "RolledBack", "2026-01-02T00:00:00Z"),
      run("pending", undefined),
    ];
    expect(runsToPrune(runs, 1)).toEqual(["old", "mid"]);
  });

  const phases = ["Pending", "Running", "WaitingApproval", "Succeeded", "Failed", "RolledBack", "Cancelled"];
  const arbRuns = fc.uniqueArray(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 5 }),
      phase: fc.constantFrom(...phases),
      finishedAt: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
    }),
    { selector: (r) => r.name, maxLength: 30 },
  );

  it("leaves exactly min(limit, finished) finished runs and every unfinished one, keeping the newest", () => {
    fc.assert(
      fc.property(arbRuns, fc.integer({ min: 1, max: 10 }), (runs, limit) => {
        const pruned = new Set(runsToPrune(runs, limit));
        const kept = runs.filter((r) => !pruned.has(r.name));
        const finished = (r: RunSummary) => ["Succeeded", "Failed", "RolledBack", "Cancelled"].includes(r.phase ?? "");
        expect(kept.filter(finished).length).toBe(Math.min(limit, runs.filter(finished).length));
        expect(runs.filter((r) => !finished(r)).every((r) => !pruned.has(r.name))).toBe(true);
        const newestPruned = Math.max(...runs.filter((r) => pruned.has(r.name)).map((r) => Date.parse(r.finishedAt)));
        for (const r of kept.filter(finished)) expect(Date.parse(r.finishedAt)).toBeGreaterThanOrEqual(newestPruned);
      }),
    );
  });
});
