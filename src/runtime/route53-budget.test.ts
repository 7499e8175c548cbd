import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Route53Cost } from "../actuators/route53/change-batch.js";
import type { Bucket } from "../core/token-bucket.js";
import { ManualTimers } from "./kube/timers.js";
import { route53AccountDefaults, route53Budget, type Route53Limits } from "./route53-budget.js";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Issues each call at its time on a virtual clock, and returns when each was let through. */
async function grants(limits: Route53Limits, calls: { at: number; cost: Route53Cost }[]) {
  const timers = new ManualTimers(0);
  const budget = route53Budget(limits, timers);
  const granted: { at: number; cost: Route53Cost }[] = [];
  const pending = [...calls].sort((a, b) => a.at - b.at);
  let outstanding = 0;
  while (pending.length > 0 || outstanding > 0) {
    while (pending[0] && pending[0].at <= timers.now()) {
      const call = pending.shift()!;
      outstanding++;
      void budget(call.cost).then(() => {
        granted.push({ at: timers.now(), cost: call.cost });
        outstanding--;
      });
    }
    await flush();
    if (pending.length > 0 || outstanding > 0) timers.advance(10);
    if (timers.now() > 3_600_000) throw new Error("calls still waiting after an hour");
  }
  return granted;
}

/** The most any window of the grants drew on a bucket, over what the bucket allows in that window. */
function worstExcess(granted: { at: number; weight: number }[], bucket: Bucket): number {
  let worst = -Infinity;
  for (let i = 0; i < granted.length; i++) {
    let spent = 0;
    for (let j = i; j < granted.length; j++) {
      spent += granted[j]!.weight;
      const allowed = bucket.capacity + (bucket.refillPerSecond * (granted[j]!.at - granted[i]!.at)) / 1000;
      worst = Math.max(worst, spent - allowed);
    }
  }
  return worst;
}

const limits = (controllers: number): Route53Limits => ({ ...route53AccountDefaults, controllers });

describe("route53Budget", () => {
  it("lets a failover's few calls through at once, from the burst", async () => {
    const calls = ["ListResourceRecordSets", "ChangeResourceRecordSets", "GetChange"].map((action) => ({
      at: 0,
      cost: { action, ...(action === "ChangeResourceRecordSets" ? { changes: 4 } : {}) },
    }));
    const granted = await grants(limits(2), calls);
    expect(granted.map((g) => g.at)).toEqual([0, 0, 0]);
  });

  it("holds GetHealthCheckStatus to its own bucket without holding a change batch behind it", async () => {
    const probes = Array.from({ length: 10 }, () => ({ at: 0, cost: { action: "GetHealthCheckStatus" } }));
    const granted = await grants(limits(1), [
      ...probes,
      { at: 0, cost: { action: "ChangeResourceRecordSets", changes: 2 } },
    ]);
    const change = granted.find((g) => g.cost.action === "ChangeResourceRecordSets");
    expect(change?.at).toBe(0);
    // 4 at once, then one a second.
    const probeTimes = granted.filter((g) => g.cost.action === "GetHealthCheckStatus").map((g) => g.at);
    expect(probeTimes.filter((t) => t === 0)).toHaveLength(4);
    expect(Math.max(...probeTimes)).toBeGreaterThanOrEqual(6000);
  });

  it("property: N controllers, each within 1/N of every bucket, never exceed the account's limits together", async () => {
    const action = fc.constantFrom(
      "ListResourceRecordSets",
      "ChangeResourceRecordSets",
      "GetChange",
      "GetHealthCheckStatus",
    );
    const call = fc.record({
      at: fc.integer({ min: 0, max: 5000 }),
      action,
      changes: fc.integer({ min: 1, max: 400 }),
      controller: fc.integer({ min: 0, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(call, { minLength: 1, maxLength: 80 }),
        async (n, list) => {
          // Each controller has its own budget; at AWS their calls meet in the same buckets.
          const all: { at: number; cost: Route53Cost }[] = [];
          for (let c = 0; c < n; c++) {
            const mine = list
              .filter((x) => x.controller % n === c)
              .map((x) => ({
                at: x.at,
                cost: { action: x.action, ...(x.action === "ChangeResourceRecordSets" ? { changes: x.changes } : {}) },
              }));
            all.push(...(await grants(limits(n), mine)));
          }
          all.sort((a, b) => a.at - b.at);
          const d = route53AccountDefaults;
          // A cost above a share's capacity is paid as the whole share, so count it as that.
          const changeShare = d.changes.capacity / n;
          const tolerance = 1e-6;
          expect(
            worstExcess(
              all.map((g) => ({ at: g.at, weight: 1 })),
              d.account,
            ),
          ).toBeLessThanOrEqual(tolerance);
          for (const name of ["GetHealthCheckStatus", "ListResourceRecordSets"]) {
            const bucket = d.actions[name] ?? d.defaultAction;
            const mine = all.filter((g) => g.cost.action === name).map((g) => ({ at: g.at, weight: 1 }));
            expect(worstExcess(mine, bucket)).toBeLessThanOrEqual(tolerance);
          }
          const changes = all
            .filter((g) => g.cost.changes)
            .map((g) => ({ at: g.at, weight: Math.min(g.cost.changes ?? 0, changeShare) }));
          expect(worstExcess(changes, d.changes)).toBeLessThanOrEqual(tolerance);
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
