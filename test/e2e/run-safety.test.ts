/**
 * Stories of the safety nets around a run, executed by eu-west-1's controller against two real clusters and the AWS
 * emulator: a failing step rolls the run back (traffic and the fencing record back to the source under a new epoch,
 * the frozen flag unfrozen); the kill switch holds a run before its first step until it is removed; and a plan keeps
 * only its historyLimit of finished runs. And a webhook step's Secret (address and token) reaches its receiver and
 * nothing else: not the run's journal or status, not its Events, not the controller's log.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import { observeWeightedRecords } from "../../src/actuators/route53/weights.js";
import { pausedAnnotation, plurals } from "../../src/crds/definitions.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { fenceName, recordName, seedCheckout, setIdentifiers, type CheckoutAws } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const namespace = "run-safety";
const now = { acquire: () => Promise.resolve(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;
let aws: CheckoutAws;

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const crd = { group: "switchyard.dev", version: "v1alpha1", namespace };

const finished = (name: string) => west.finishedRun(namespace, name);
/** A person's run us-east-1 → eu-west-1 of `plan`. */
const run = (name: string, plan: string, extra: Partial<FailoverRun["spec"]> = {}) =>
  manualRun(namespace, name, { planRef: { name: plan }, from: "us-east-1", to: "eu-west-1", reason: "e2e", ...extra });
const flag = async (cluster: Cluster) =>
  (await cluster.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only;
const weights = async () => {
  const records = await observeWeightedRecords(route53, { hostedZoneId: aws.zoneId, recordName, type: "CNAME" }, now);
  return { "us-east-1": records.get("use1")?.Weight, "eu-west-1": records.get("euw1")?.Weight };
};
const fence = async () =>
  (await readFence(route53, { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 }, now))?.record;

function plan(name: string, steps: object[], extra: object = {}) {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name, namespace },
    spec: { regionPolicyRef: { name: "checkout" }, steps, ...extra },
  };
}
const freeze = {
  name: "freeze-writes",
  flag: { region: "{{from}}", configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
};
const shift = () => ({
  name: "shift-traffic",
  route53: {
    hostedZoneId: aws.zoneId,
    recordName,
    type: "CNAME",
    setIdentifiers,
    weights: { "{{to}}": 100, "{{from}}": 0 },
  },
});

beforeAll(async () => {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.2 });
  endpoint = await RegionEndpoint.start();
  ({ aws } = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: false },
  ));
  controllers = await startControllers(
    { "eu-west-1": west.info },
    { aws: env.aws, leaseName: "run-safety", namespace },
  );
}, 120_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("a failing step under onFailure: Rollback", () => {
  it("restores traffic, the fencing record and the frozen flag, in reverse order, and ends RolledBack", async () => {
    const unreachableFlag = {
      name: "unfreeze",
      retries: { limit: 0 },
      flag: { region: "{{to}}", configMapRef: { name: "no-such-flags" }, key: "read_only", value: "false" },
    };
    await west.apply(plan("rollback", [freeze, shift(), unreachableFlag], { onFailure: "Rollback" }));
    expect(await fence()).toEqual({ active: "us-east-1", epoch: 1 });
    await west.apply(run("rolls-back", "rollback"));

    const done = await finished("rolls-back");
    expect(done.status?.phase).toBe("RolledBack");
    expect(done.status?.journal?.map((e) => [e.name, e.state])).toEqual([
      ["freeze-writes", "RolledBack"],
      ["shift-traffic", "RolledBack"],
      ["unfreeze", "Failed"],
    ]);
    expect(await weights()).toEqual({ "us-east-1": 100, "eu-west-1": 0 });
    // Epochs only grow: the way back is epoch 3, naming the source again, so its controller un-fences itself.
    expect(await fence()).toMatchObject({
      active: "us-east-1",
      epoch: 3,
      run: "rolls-back",
      history: { by: "manual" },
    });
    expect(await flag(east)).toBe("false");
    const finishedAt = (step: string) =>
      Date.parse(done.status?.journal?.find((e) => e.name === step)?.finishedAt ?? "");
    expect(finishedAt("shift-traffic")).toBeLessThanOrEqual(finishedAt("freeze-writes"));
  });
});

describe("the kill switch", () => {
  it("holds a run before its first step while the policy is paused, and lets it go when resumed", async () => {
    await west.apply(plan("paused", [freeze], {}));
    await west.custom.patchNamespacedCustomObject(
      {
        ...crd,
        plural: plurals.RegionPolicy,
        name: "checkout",
        body: { metadata: { annotations: { [pausedAnnotation]: "true" } } },
      },
      merge,
    );
    await eventually("the policy to report Paused", async () => {
      const p = await west.policy(namespace, "checkout");
      return p.status?.conditions?.some((c) => c.type === "Paused" && c.status === "True") ? true : undefined;
    });
    await east.core.patchNamespacedConfigMap(
      { name: "app-flags", namespace, body: { data: { read_only: "false" } } },
      merge,
    );
    await west.apply(run("held", "paused"));
    const held = await eventually("the run to be held", async () => {
      const r = await west.run(namespace, "held");
      return r.status?.conditions?.some((c) => c.type === "Paused" && c.status === "True") ? r : undefined;
    });
    expect(held.status?.journal ?? []).toEqual([]);
    expect(await flag(east)).toBe("false");

    await west.custom.patchNamespacedCustomObject(
      {
        ...crd,
        plural: plurals.RegionPolicy,
        name: "checkout",
        body: { metadata: { annotations: { [pausedAnnotation]: null } } },
      },
      merge,
    );
    const done = await finished("held");
    expect(done.status?.phase).toBe("Succeeded");
    expect(done.status?.conditions?.find((c) => c.type === "Paused")).toMatchObject({ status: "False" });
    expect(await flag(east)).toBe("true");
  });
});

describe("run history", () => {
  it("keeps only the plan's historyLimit of finished runs, deleting the oldest", async () => {
    await west.apply(plan("history", [freeze], { historyLimit: 2 }));
    for (const name of ["history-1", "history-2", "history-3"]) {
      await west.apply(run(name, "history", { dryRun: true }));
      await finished(name);
    }
    const names = await eventually("the oldest run to be deleted", async () => {
      const left = (await west.runs(namespace))
        .filter((r) => r.spec.planRef.name === "history")
        .map((r) => r.metadata.name);
      return left.length === 2 ? left : undefined;
    });
    expect(names.sort()).toEqual(["history-2", "history-3"]);
  });
});

describe("a webhook step's Secret", () => {
  it("reaches the receiver it names and nothing else: not the run, its Events or the controller's log", async () => {
    const heard: { url: string; headers: IncomingHttpHeaders }[] = [];
    const receiver = createServer((req, res) => {
      heard.push({ url: req.url ?? "", headers: req.headers });
      req.resume().on("end", () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      const token = `tok-${randomUUID()}`;
      const path = `/hooks/${randomUUID()}`;
      const address = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}${path}`;
      await west.core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: "status-relay" }, stringData: { address, token, allowInsecure: "true" } },
      });
      await west.apply(
        plan("notify", [
          { name: "notify", webhook: { secretRef: { name: "status-relay" }, body: '{"text":"{{from}} to {{to}}"}' } },
        ]),
      );
      await west.apply(run("notify-1", "notify"));
      const done = await finished("notify-1");
      expect(done.status?.phase).toBe("Succeeded");
      expect(heard).toHaveLength(1);
      expect(heard[0]?.url).toBe(path);
      expect(heard[0]?.headers.authorization).toBe(`Bearer ${token}`);

      const journal = JSON.stringify(done);
      expect(journal).toContain("the address in Secret run-safety/status-relay");
      const events = await west.core.listNamespacedEvent({ namespace });
      const logs = await Promise.all(controllers!.processes.map((c) => readFile(c.process.logPath, "utf8")));
      for (const [where, text] of [
        ["the run", journal],
        ["the Events", JSON.stringify(events.items)],
        ["the controller's log", logs.join("\n")],
      ] as const) {
        expect(text.includes(token), `${where} holds the token`).toBe(false);
        expect(text.includes(path), `${where} holds the address`).toBe(false);
      }
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
