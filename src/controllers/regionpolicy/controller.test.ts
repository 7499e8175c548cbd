/**
 * Which changes wake which policy, with the informers and the queue in memory and no workers: a run wakes the policy
 * it belongs to whether or not it carries the policy label.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { policyLabel } from "../../crds/definitions.js";
import type { FailoverPlan } from "../../crds/generated/failoverplans.js";
import type { FailoverRun } from "../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../crds/generated/regionpolicies.js";
import type { Queue, Watched } from "../worker.js";
import { RegionPolicyController } from "./controller.js";

type Handlers<T> = Parameters<Watched<T>["addHandlers"]>[0];

class MemoryInformer<T> implements Watched<T> {
  handlers: Handlers<T>[] = [];
  addHandlers(handlers: Handlers<T>) {
    this.handlers.push(handlers);
    return () => undefined;
  }
  list(): T[] {
    return [];
  }
}

const added: string[] = [];
const queue: Queue = {
  add: (key) => added.push(key),
  addAfter: () => undefined,
  addRateLimited: () => undefined,
  forget: () => undefined,
  get: () => Promise.resolve(undefined),
  done: () => undefined,
  shutDown: () => undefined,
};

const plan: FailoverPlan = {
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverPlan",
  metadata: { name: "checkout-plan", namespace: "shop" },
  spec: { regionPolicyRef: { name: "checkout" }, steps: [] },
};

const run = (planName: string, labels?: Record<string, string>): FailoverRun => ({
  apiVersion: "switchyard.dev/v1alpha1",
  kind: "FailoverRun",
  metadata: { name: "r", namespace: "shop", ...(labels ? { labels } : {}) },
  spec: { planRef: { name: planName }, from: "us-east-1", to: "eu-west-1" },
});

function started() {
  const runs = new MemoryInformer<FailoverRun>();
  added.length = 0;
  new RegionPolicyController({
    policies: new MemoryInformer<RegionPolicy>(),
    plans: new MemoryInformer<FailoverPlan>(),
    runs,
    store: {
      policy: () => undefined,
      plan: (ns, name) => (ns === "shop" && name === plan.metadata.name ? plan : undefined),
      runsOf: () => [],
      writePolicyStatus: () => Promise.resolve(),
      createRun: () => Promise.resolve("created"),
    },
    events: { event: () => undefined },
    observer: { evaluated: () => undefined, decided: () => undefined, sampled: () => undefined },
    probes: {} as never,
    queue,
    log: pino({ level: "silent" }),
    localRegion: "eu-west-1",
    workers: 0,
    now: () => 0,
  }).start();
  return runs.handlers[0]!;
}

describe("a run wakes its policy", () => {
  it.each([
    ["written by hand, without the label: by its plan", run("checkout-plan")],
    ["labelled: by its label, even when its plan is gone", run("gone", { [policyLabel]: "checkout" })],
  ])("%s", (_case, r) => {
    const handlers = started();
    handlers.add?.(r);
    handlers.update?.(r, r);
    handlers.delete?.(r);
    expect(added).toEqual(["shop/checkout", "shop/checkout", "shop/checkout"]);
  });

  it("wakes nothing for a run that names no policy", () => {
    started().add?.(run("gone"));
    expect(added).toEqual([]);
  });
});
