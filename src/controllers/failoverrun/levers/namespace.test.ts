/** The levers' own check of invariant 8: a step naming another namespace is refused before any API is touched. */
import { describe, expect, it } from "vitest";
import type { BoundStep } from "../../../core/plan/steps.js";
import type { FailoverRun } from "../../../crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../../crds/generated/regionpolicies.js";
import { flagLever } from "./flag.js";
import type { LeverContext, LeverDeps, StepOf } from "./lever.js";
import { scaleLever } from "./scale.js";

const touched: string[] = [];
const api = (what: string) => () => {
  touched.push(what);
  return Promise.reject(new Error(`${what} must not be called`));
};
const deps = {
  configMaps: api("configMaps"),
  scales: api("scales"),
} as unknown as LeverDeps;

const ctx: LeverContext = {
  run: { metadata: { name: "r" }, spec: { planRef: { name: "p" }, from: "a", to: "b" } } as FailoverRun,
  policy: { metadata: { name: "p" } } as RegionPolicy,
  namespace: "shop",
  serviceAccountName: "switchyard-tenant",
  dryRun: false,
};
const common = {
  bestEffort: false,
  timeoutSeconds: 60,
  retries: { limit: 0, backoffSeconds: 1 },
  onRollback: "Restore",
};
const flag = {
  ...common,
  name: "freeze",
  kind: "flag",
  flag: { region: "b", configMapRef: { name: "f", namespace: "kube-system" }, key: "k", value: "v" },
} as BoundStep as StepOf<"flag">;
const scale = {
  ...common,
  name: "drain",
  kind: "scale",
  scale: { region: "b", deploymentRef: { name: "coredns", namespace: "kube-system" }, replicas: 0 },
} as BoundStep as StepOf<"scale">;

describe("a lever asked to act in another namespace", () => {
  it.each([
    ["flag", flagLever(deps), flag],
    ["scale", scaleLever(deps), scale],
  ] as const)("%s: prepare, act and restore refuse it, calling nothing", async (_kind, lever, step) => {
    const l = lever as ReturnType<typeof flagLever> & ReturnType<typeof scaleLever>;
    const s = step as StepOf<"flag"> & StepOf<"scale">;
    const prepared = await l.prepare(s, ctx);
    expect(prepared.refusal).toMatchObject({ reason: "NamespaceNotAllowed" });
    expect(prepared.refusal?.message).toContain('"kube-system" is not this plan\'s namespace "shop"');
    expect(await l.act(s, ctx)).toMatchObject({ type: "Refused", reason: "NamespaceNotAllowed" });
    expect(await l.restore?.(s, { value: "x", replicas: 1 }, ctx)).toMatchObject({ type: "Refused" });
    expect(touched).toEqual([]);
  });
});
