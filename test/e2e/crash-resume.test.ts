/**
 * Story: the controller executing a failover is killed (SIGKILL) while the Aurora promotion it started is still under
 * way. A new controller takes the lease, resumes the run from its journal, waits for the promotion instead of starting
 * another, and finishes — one promotion call and one fencing epoch, counted at the AWS emulator.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import { plurals } from "../../src/crds/definitions.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { startControllerProcess, type ControllerProcess } from "../env/controller-process.js";
import { fenceName, seedCheckoutAws, seedCheckoutClusters, type CheckoutAws } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "./world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const namespace = "crash";
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const started: ControllerProcess[] = [];
let endpoint: RegionEndpoint;
let aws: CheckoutAws;
let logDir: string;

const controller = async () => {
  const c = await startControllerProcess({
    region: "eu-west-1",
    kubeconfig: west.info.kubeconfig,
    aws: env.aws,
    logDir,
    lease,
    extraArgs: ["--lease-name", "crash", "--namespace", namespace],
  });
  started.push(c);
  return c;
};

async function run(): Promise<FailoverRun> {
  return (await west.custom.getNamespacedCustomObject({
    group: "switchyard.dev",
    version: "v1alpha1",
    namespace,
    plural: plurals.FailoverRun,
    name: "crash-1",
  })) as FailoverRun;
}

beforeAll(async () => {
  await control.reset();
  // A promotion that takes long enough to kill the controller in the middle of it.
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 20 });
  endpoint = await RegionEndpoint.start();
  aws = await seedCheckoutAws(env.aws);
  await seedCheckoutClusters(
    { "us-east-1": east, "eu-west-1": west },
    {
      namespace,
      aws,
      endpoints: { "us-east-1": endpoint.url, "eu-west-1": endpoint.url },
      mode: "Manual",
      approval: false,
    },
  );
  logDir = await mkdtemp(join(tmpdir(), "switchyard-crash-"));
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((c) => c.process.stop()));
  await endpoint?.stop();
});

describe("a controller killed during a promotion", () => {
  it("is replaced, and the run completes without a second promotion or a second epoch", async () => {
    const first = await controller();
    await west.apply({
      apiVersion: "switchyard.dev/v1alpha1",
      kind: "FailoverRun",
      metadata: { name: "crash-1", namespace },
      spec: { planRef: { name: "checkout" }, from: "us-east-1", to: "eu-west-1", trigger: "Manual" },
    });
    await eventually(
      "the promotion to be under way",
      async () => {
        const promoting = (await run()).status?.journal?.some((e) => e.name === "promote-db" && e.state === "Running");
        const called = (await control.calls()).some((c) => c.action === "SwitchoverGlobalCluster");
        return promoting && called ? true : undefined;
      },
      60_000,
    );
    await first.process.kill();

    await controller();
    const done = await eventually(
      "the run to finish",
      async () => {
        const r = await run();
        return ["Succeeded", "Failed"].includes(r.status?.phase ?? "") ? r : undefined;
      },
      60_000,
    );
    expect(done.status?.phase).toBe("Succeeded");
    const calls = await control.calls();
    expect(
      calls.filter((c) => c.action === "SwitchoverGlobalCluster" || c.action === "FailoverGlobalCluster"),
    ).toHaveLength(1);
    const fence = await readFence(
      route53Client(env.aws),
      { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 },
      { acquire: () => Promise.resolve(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    );
    expect(fence?.record).toEqual({ active: "eu-west-1", epoch: 2, run: "crash-1" });
    expect(done.status?.journal?.find((e) => e.name === "promote-db")?.attempts).toBe(1);
  }, 150_000);
});
