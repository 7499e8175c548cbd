/**
 * Story: one AWS account, three regions, a controller in each, and twenty policies in two hosted zones that all fail
 * over at once. The emulator meters the account as Route53 does (50 requests of burst, 10 a second, per-action and
 * change-throughput buckets). With the account's budget shared as documented (`--route53-controllers 3`), every move
 * completes and the emulator throttles none of the controllers' requests — listings, change batches, GetChange polls
 * and the fencing reads of all sixty policy copies alike. With the budget misconfigured (each controller believing
 * the whole account its own, while the account is smaller than that), Route53 throttles, the controllers retry, and
 * every move still completes, exactly once.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, type Change } from "@aws-sdk/client-route-53";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import { fenceChange, fencingRecordSet } from "../../src/core/plan/fencing.js";
import { isFinalPhase } from "../../src/core/runs.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl, controllerAccessKeyId, peakCalls, type EmulatedCall } from "../env/aws-emulator.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { tenantObjects, tenantServiceAccount } from "../fixtures/tenant.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const regions = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;
type Region = (typeof regions)[number];
const short: Record<Region, string> = { "us-east-1": "use1", "eu-west-1": "euw1", "ap-southeast-2": "apse2" };
const control = new EmulatorControl(env.aws.endpoint);
const route53 = route53Client(env.aws);
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const policyCount = 20;
const namespaces = Array.from({ length: policyCount }, (_, i) => `budget-${String(i).padStart(2, "0")}`);
const quiet = { acquire: () => Promise.resolve(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

let dir: string;
let third: ControlPlane;
let clusters: Record<Region, Cluster>;
let controllers: Controllers | undefined;
let endpoint: RegionEndpoint;
const zones: string[] = [];

const appName = (i: number) => `app-${i}.shop.example.com`;
const fenceName = (i: number) => `_switchyard.app-${i}.shop.example.com`;
const zoneOf = (i: number) => zones[i % zones.length]!;
const where = (i: number) => ({ hostedZoneId: zoneOf(i), recordName: fenceName(i), ttlSeconds: 60 });
/** Identifiers unique in their zone: the emulator's DELETE by SetIdentifier would match other names' records. */
const setIdentifiers = (i: number) => Object.fromEntries(regions.map((r) => [r, `${short[r]}-${i}`]));

function policy(i: number) {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "RegionPolicy",
    metadata: { name: "shop", namespace: namespaces[i] },
    spec: {
      regions: regions.map((name, r) => ({ name, role: r === 0 ? "primary" : "secondary" })),
      signals: regions.map((region) => ({
        name: "api",
        region,
        intervalSeconds: 5,
        http: { url: endpoint.url, timeoutSeconds: 1 },
      })),
      dampening: { failureThreshold: 3, successThreshold: 2, holdDownSeconds: 600 },
      automation: { mode: "Manual", failoverPlanRef: { name: "shop" }, failback: "Manual" },
      fencing: { route53: { hostedZoneId: zoneOf(i), recordName: fenceName(i) } },
      serviceAccountName: tenantServiceAccount,
    },
  };
}

function plan(i: number) {
  return {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverPlan",
    metadata: { name: "shop", namespace: namespaces[i] },
    spec: {
      regionPolicyRef: { name: "shop" },
      serviceAccountName: tenantServiceAccount,
      steps: [
        {
          name: "shift-traffic",
          route53: {
            hostedZoneId: zoneOf(i),
            recordName: appName(i),
            type: "CNAME",
            setIdentifiers: setIdentifiers(i),
            weights: { "{{to}}": 100, "{{from}}": 0 },
          },
        },
      ],
    },
  };
}

/** Two zones of ten policies each: three weighted records and a fencing record (us-east-1 active at epoch 1) apiece. */
async function seedZones(): Promise<void> {
  zones.splice(0);
  for (const z of [0, 1]) {
    const zone = await route53.send(
      new CreateHostedZoneCommand({ Name: "shop.example.com", CallerReference: `budget-${z}-${Date.now()}` }),
    );
    zones.push(zone.HostedZone?.Id?.split("/").at(-1) ?? "");
  }
  for (const z of [0, 1]) {
    const changes: Change[] = [];
    for (let i = z; i < policyCount; i += 2) {
      for (const region of regions) {
        changes.push({
          Action: "CREATE",
          ResourceRecordSet: {
            Name: appName(i),
            Type: "CNAME",
            SetIdentifier: setIdentifiers(i)[region],
            Weight: region === "us-east-1" ? 100 : 0,
            TTL: 30,
            ResourceRecords: [{ Value: `${short[region]}.shop.example.com` }],
          },
        });
      }
      changes.push(...fenceChange(undefined, fencingRecordSet(fenceName(i), 60, { active: "us-east-1", epoch: 1 })));
    }
    await route53.send(
      new ChangeResourceRecordSetsCommand({ HostedZoneId: zones[z], ChangeBatch: { Changes: changes } }),
    );
  }
}

async function startAll(extraArgs: string[]): Promise<void> {
  controllers = await startControllers(Object.fromEntries(regions.map((r) => [r, clusters[r].info])), {
    aws: env.aws,
    logDir: await mkdtemp(join(dir, "controllers-")),
    lease,
    leaseName: "account-budget",
    extraArgs,
  });
}

/** Every policy's move `from(i)` → `to(i)`, each run created in its target region's cluster, all at once. */
async function moveAll(name: string, from: (i: number) => Region, to: (i: number) => Region): Promise<FailoverRun[]> {
  await Promise.all(
    namespaces.map((namespace, i) =>
      clusters[to(i)].apply(
        manualRun(namespace, name, {
          planRef: { name: "shop" },
          from: from(i),
          to: to(i),
          reason: "e2e: account budget",
        }),
      ),
    ),
  );
  return eventually(
    `all ${policyCount} ${name} runs to finish`,
    async () => {
      const runs = await Promise.all(
        namespaces.map(async (namespace, i) =>
          (await clusters[to(i)].runs(namespace)).find((r) => r.metadata.name === name),
        ),
      );
      return runs.every((r) => r !== undefined && isFinalPhase(r.status?.phase) && r.status?.finishedAt)
        ? (runs as FailoverRun[])
        : undefined;
    },
    150_000,
  );
}

const controllerCalls = async (since: number): Promise<EmulatedCall[]> =>
  (await control.calls()).filter(
    (c) => c.service === "route53" && c.time >= since && c.accessKeyId === controllerAccessKeyId,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-account-budget-"));
  third = await startControlPlane("ap-southeast-2", dir, await ensureBinaries());
  clusters = {
    "us-east-1": new Cluster(env, env.regions[0]!),
    "eu-west-1": new Cluster(env, env.regions[1]!),
    "ap-southeast-2": new Cluster(env, third.info),
  };
  endpoint = await RegionEndpoint.start();
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5 });
  await seedZones();
  // The same policies and plans in every region's cluster, as GitOps applies them.
  for (const region of regions) {
    const cluster = clusters[region];
    await cluster.installCrds();
    for (const namespace of namespaces) await cluster.core.createNamespace({ body: { metadata: { name: namespace } } });
    await cluster.apply(
      ...namespaces.flatMap((namespace) => tenantObjects(namespace)),
      ...namespaces.flatMap((_, i) => [policy(i), plan(i)]),
    );
  }
}, 240_000);

afterEach(async () => {
  await controllers?.stop();
  controllers = undefined;
});

afterAll(async () => {
  await endpoint?.stop();
  await third?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("three controllers of one account", () => {
  // Half the policies move to each of the secondaries, executed by the target's controller.
  const target = (i: number): Region => (i % 4 < 2 ? "eu-west-1" : "ap-southeast-2");
  const next = (i: number): Region => (target(i) === "eu-west-1" ? "ap-southeast-2" : "us-east-1");

  it("sharing the account's budget, fail twenty policies over at once without one throttled request", async () => {
    await startAll(["--route53-controllers", "3"]);
    const since = Date.now() / 1000;
    const runs = await moveAll("move-1", () => "us-east-1", target);
    expect(runs.map((r) => r.status?.phase)).toEqual(namespaces.map(() => "Succeeded"));
    expect(runs.map((r) => r.status?.epoch)).toEqual(namespaces.map(() => 2));
    for (let i = 0; i < policyCount; i++) {
      expect((await readFence(route53, where(i), quiet))?.record).toMatchObject({ active: target(i), epoch: 2 });
    }
    const calls = await controllerCalls(since);
    // Each move is a handful of calls (listing, batch, GetChange, the bookkeeping batch at its end).
    expect(calls.filter((c) => c.action === "ChangeResourceRecordSets" && !c.error).length).toBeGreaterThanOrEqual(
      policyCount,
    );
    expect(calls.filter((c) => c.throttled)).toEqual([]);
    const times = calls.map((c) => c.time).sort((a, b) => a - b);
    // The account's buckets, whole: never more than the burst (50) and the rate (10 a second) in any window.
    for (const w of [1, 2, 5, 10]) expect(peakCalls(times, w)).toBeLessThanOrEqual(50 + 10 * w + 1);
  }, 240_000);

  it("with the budget misconfigured, are throttled, retry, and still make every move once", async () => {
    // Each controller believes the account's whole default budget its own, and the account has less than that.
    await control.configure({ route53Throttling: { accountCapacity: 10, accountRefillPerSecond: 5 } });
    await startAll(["--route53-controllers", "1"]);
    const since = Date.now() / 1000;
    const runs = await moveAll("move-2", target, next);
    expect(runs.map((r) => r.status?.phase)).toEqual(namespaces.map(() => "Succeeded"));
    expect(runs.map((r) => r.status?.epoch)).toEqual(namespaces.map(() => 3));
    for (let i = 0; i < policyCount; i++) {
      expect((await readFence(route53, where(i), quiet))?.record).toMatchObject({ active: next(i), epoch: 3 });
    }
    const calls = await controllerCalls(since);
    expect(calls.filter((c) => c.throttled && !c.injected).length).toBeGreaterThan(0);
    // One swap per move: a throttled batch was refused whole, and its retry is the one that went through.
    const swaps = calls.filter((c) => c.action === "ChangeResourceRecordSets" && !c.error);
    expect(swaps.length).toBeLessThanOrEqual(2 * policyCount);
  }, 240_000);
});
