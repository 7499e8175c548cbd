import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RegionPolicySpecSignal } from "../crds/generated/regionpolicies.js";
import type { ProbeResult, Probes } from "./probe.js";
import { SignalScheduler, type TakenSample } from "./scheduler.js";

const http = (name: string, region: string, intervalSeconds: number, url = "http://x"): RegionPolicySpecSignal => ({
  name,
  region,
  intervalSeconds,
  http: { url },
});

function harness(result: () => Promise<ProbeResult> = () => Promise.resolve({ ok: true, detail: "HTTP 200" })) {
  const calls: string[] = [];
  const probes: Probes = {
    http: (source) => {
      calls.push(source.url);
      return result();
    },
    prometheus: () => Promise.resolve({ ok: true, detail: "" }),
    route53HealthCheck: () => Promise.resolve({ ok: true, detail: "" }),
    workload: () => Promise.resolve({ ok: true, detail: "" }),
  };
  const samples: TakenSample[] = [];
  const scheduler = new SignalScheduler(probes, (s) => samples.push(s), { random: () => 0.5, now: () => Date.now() });
  return { scheduler, samples, calls };
}

describe("SignalScheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("samples each signal on its own interval (within the jitter)", async () => {
    const { scheduler, samples } = harness();
    scheduler.sync("ns/p", "ns", [http("api", "us-east-1", 10), http("api", "eu-west-1", 5)]);
    await vi.advanceTimersByTimeAsync(30_000);
    const east = samples.filter((s) => s.region === "us-east-1").length;
    const west = samples.filter((s) => s.region === "eu-west-1").length;
    expect(east).toBe(3);
    expect(west).toBe(6);
    expect(samples[0]).toMatchObject({ policyKey: "ns/p", signal: "api", ok: true, detail: "HTTP 200" });
    scheduler.stop();
  });

  it("never runs one signal twice at once, even when a probe outlasts its interval", async () => {
    let running = 0;
    let maxRunning = 0;
    const { scheduler } = harness(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 2500));
      running--;
      return { ok: false, detail: "slow" };
    });
    scheduler.sync("ns/p", "ns", [http("api", "us-east-1", 1)]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(maxRunning).toBe(1);
    scheduler.stop();
  });

  it("stops removed signals, restarts changed ones and forgets removed policies", async () => {
    const { scheduler, calls } = harness();
    scheduler.sync("ns/p", "ns", [http("api", "us-east-1", 1, "http://old"), http("db", "us-east-1", 1)]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(scheduler.size()).toBe(2);
    scheduler.sync("ns/p", "ns", [http("api", "us-east-1", 1, "http://new")]);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(3000);
    expect(scheduler.size()).toBe(1);
    expect(new Set(calls)).toEqual(new Set(["http://new"]));
    scheduler.remove("ns/p");
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toEqual([]);
    expect(scheduler.size()).toBe(0);
  });

  it("does not report a sample whose signal was removed while its probe ran", async () => {
    const { scheduler, samples } = harness(async () => {
      await new Promise((r) => setTimeout(r, 500));
      return { ok: true, detail: "late" };
    });
    scheduler.sync("ns/p", "ns", [http("api", "us-east-1", 10)]);
    await vi.advanceTimersByTimeAsync(600); // first probe starts at 0.5 × 10 s × 0.1 = 500 ms
    scheduler.remove("ns/p");
    await vi.advanceTimersByTimeAsync(1000);
    expect(samples).toEqual([]);
  });
});
