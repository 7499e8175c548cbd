/**
 * Story: three regions, two candidate targets. The checkout application runs in us-east-1 (primary, active at epoch 1),
 * eu-west-1 and ap-southeast-2, a real controller in each region's cluster (the third cluster is this file's own
 * control plane), each observing all three regions and reading the other two controllers' views through the peer
 * kubeconfig Secrets. When the active region fails, the two secondaries' controllers must agree on one target — the
 * first in spec order that a quorum finds Healthy — so there is one run, one epoch, one promotion, and the region that
 * was not chosen stays fenced: one observer's word against a candidate does not redirect the move, a quorum's does.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { FencingRecord } from "../../src/core/plan/fencing.js";
import { isFinalPhase } from "../../src/core/runs.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { DescribeGlobalClustersCommand } from "@aws-sdk/client-rds";
import { rdsClient } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { startControllers, type Controllers } from "../env/controllers.js";
import {
  checkoutFence,
  checkoutPlan,
  checkoutPolicy,
  promotionCalls,
  publishReplicationLag,
  readOnlyFlag,
  seedCheckoutAws,
  type CheckoutAws,
} from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const regions = ["us-east-1", "eu-west-1", "ap-southeast-2"] as const;
type Region = (typeof regions)[number];
type Views = Record<Region, RegionEndpoint>;
const control = new EmulatorControl(env.aws.endpoint);
const lease = { durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 0.5 };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const everyController = regions.map((r) => `controller/${r}`).sort();

let dir: string;
let third: ControlPlane;
let clusters: Record<Region, Cluster>;
let controllers: Controllers | undefined;
const endpoints: RegionEndpoint[] = [];

async function endpoint(): Promise<RegionEndpoint> {
  const e = await RegionEndpoint.start();
  endpoints.push(e);
  return e;
}

/** The checkout policy in `local`'s cluster, over three regions: the other two are peers, `views` is what it probes. */
function policyIn(local: Region, namespace: string, aws: CheckoutAws, views: Views) {
  const base = checkoutPolicy(
    { namespace, aws, endpoints: {}, mode: "Automatic", approval: false },
    // No peer from the two-region builder: all three regions are listed below.
    "",
  );
  return {
    ...base,
    spec: {
      ...base.spec,
      regions: regions.map((name, i) => ({
        name,
        role: i === 0 ? "primary" : "secondary",
        ...(name === local ? {} : { cluster: { kubeconfigSecretRef: { name: `peer-${name}` } } }),
      })),
      signals: regions.map((region) => ({
        name: "api",
        region,
        intervalSeconds: 1,
        http: { url: views[region].url, timeoutSeconds: 1 },
      })),
      regionUnhealthyWhen: { quorum: 2 },
    },
  };
}

class Story {
  constructor(
    readonly namespace: string,
    readonly aws: CheckoutAws,
  ) {}

  policy(region: Region) {
    return clusters[region].policy(this.namespace, "checkout");
  }

  runs(region: Region): Promise<FailoverRun[]> {
    return clusters[region].runs(this.namespace);
  }

  async runsByRegion(): Promise<Record<Region, string[]>> {
    const names = await Promise.all(
      regions.map(async (r) => (await this.runs(r)).map((run) => `${run.spec.from}->${run.spec.to}`)),
    );
    return Object.fromEntries(regions.map((r, i) => [r, names[i]])) as Record<Region, string[]>;
  }

  fence(): Promise<FencingRecord | undefined> {
    return checkoutFence(env.aws, this.aws.zoneId);
  }

  flag(region: Region): Promise<string | undefined> {
    return readOnlyFlag(clusters[region], this.namespace);
  }

  promotions(): Promise<string[]> {
    return promotionCalls(env.aws);
  }

  /** The Aurora global database's writer member, as RDS describes it. */
  async writer(): Promise<string | undefined> {
    const described = await rdsClient(env.aws, "us-east-1").send(
      new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: "checkout" }),
    );
    return described.GlobalClusters?.[0]?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
  }
}

/**
 * Given the checkout application in all three clusters (flags, one peer Secret per other region, this cluster's copy
 * of the policy with what its controller probes, the plan), its AWS side across three regions at a reset emulator, and
 * one controller per region; then every controller finding every region Healthy by all three observers.
 */
async function givenCheckout(namespace: string, probes: Record<Region, Views>): Promise<Story> {
  await control.reset();
  await control.configure({ changePropagationSeconds: 0.5, globalClusterTransitionSeconds: 1 });
  const aws = await seedCheckoutAws(env.aws, regions);
  for (const region of regions) await publishReplicationLag(env.aws, region, 1000);
  for (const region of regions) {
    const cluster = clusters[region];
    await cluster.installCrds();
    await cluster.createNamespace(namespace);
    await cluster.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: "app-flags" }, data: { read_only: "false" } },
    });
    for (const peer of regions.filter((r) => r !== region)) {
      await cluster.core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: `peer-${peer}` },
          stringData: { kubeconfig: await readFile(clusters[peer].info.kubeconfig, "utf8") },
        },
      });
    }
    await cluster.apply(
      policyIn(region, namespace, aws, probes[region]),
      checkoutPlan({ namespace, aws, endpoints: {}, mode: "Automatic", approval: false }),
    );
  }
  const logDir = join(dir, namespace);
  await mkdir(logDir, { recursive: true });
  controllers = await startControllers(Object.fromEntries(regions.map((r) => [r, clusters[r].info])), {
    aws: env.aws,
    logDir,
    lease,
    leaseName: namespace,
    namespace,
  });
  const story = new Story(namespace, aws);
  for (const seenBy of regions) {
    await eventually(
      `${seenBy}'s controller to find all three regions Healthy, by all three controllers`,
      async () => {
        const status = (await story.policy(seenBy)).status;
        const heard = regions.every((name) => {
          const judged = status?.regions?.find((r) => r.name === name);
          return (
            judged?.health === "Healthy" &&
            [...(judged.healthyObservers ?? [])].sort().join() === everyController.join()
          );
        });
        return heard && status?.activeRegion === "us-east-1" && status.epoch === 1 ? true : undefined;
      },
      120_000,
    );
    // With three controllers, a quorum of two outlives the loss of any one region with its controller.
    const detectable = (await story.policy(seenBy)).status?.conditions?.find((c) => c.type === "RegionLossDetectable");
    expect(detectable?.status).toBe("True");
  }
  for (const fenced of ["eu-west-1", "ap-southeast-2"] as const) {
    await eventually(`${fenced} read-only by self-fencing`, async () =>
      (await story.flag(fenced)) === "true" ? true : undefined,
    );
  }
  return story;
}

/** The one automatic failover of the story, once finished, and where it ran. */
async function theFailover(story: Story, target: Region): Promise<FailoverRun> {
  const run = await eventually(
    `${target}'s automatic failover to finish`,
    async () => (await story.runs(target)).find((r) => isFinalPhase(r.status?.phase)),
    120_000,
  );
  expect(run.spec).toMatchObject({ from: "us-east-1", to: target, trigger: "Automatic" });
  expect(run.status?.phase).toBe("Succeeded");
  return run;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-three-regions-"));
  third = await startControlPlane("ap-southeast-2", dir, await ensureBinaries());
  clusters = {
    "us-east-1": new Cluster(env, env.regions[0]!),
    "eu-west-1": new Cluster(env, env.regions[1]!),
    "ap-southeast-2": new Cluster(env, third.info),
  };
}, 180_000);

afterEach(async () => {
  await controllers?.stop();
  controllers = undefined;
  await Promise.all(endpoints.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await third?.stop();
  if (process.env.SWITCHYARD_KEEP_LOGS) console.log(`controller logs kept in ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("three regions, two candidate targets", () => {
  it("one observer's word against the first candidate does not redirect the move: one run, one epoch, one promotion, to eu-west-1", async () => {
    const app: Views = {
      "us-east-1": await endpoint(),
      "eu-west-1": await endpoint(),
      "ap-southeast-2": await endpoint(),
    };
    /** eu-west-1 as ap-southeast-2's controller reaches it: that one link is cut. */
    const link = await endpoint();
    const story = await givenCheckout("three-regions-one-word", {
      "us-east-1": app,
      "eu-west-1": app,
      "ap-southeast-2": { ...app, "eu-west-1": link },
    });

    // When: ap-southeast-2's controller alone sees eu-west-1 failing; then us-east-1 fails for everyone.
    link.status = 503;
    await eventually("ap-southeast-2's own view to condemn eu-west-1", async () => {
      const view = (await story.policy("ap-southeast-2")).status?.view?.regions?.find((r) => r.name === "eu-west-1");
      return view?.health === "Unhealthy" ? true : undefined;
    });
    app["us-east-1"].status = 503;

    // Then: every controller still finds eu-west-1 Healthy by a quorum (two of three), so all agree on it as the
    // target: its controller fails over, ap-southeast-2's makes no run of its own.
    const failover = await theFailover(story, "eu-west-1");
    for (const seenBy of regions) {
      const judged = (await story.policy(seenBy)).status?.regions?.find((r) => r.name === "eu-west-1");
      expect(judged?.health).toBe("Healthy");
      expect(judged?.failingObservers).toEqual(["controller/ap-southeast-2"]);
    }
    await sleep(10_000);
    expect(await story.runsByRegion()).toEqual({
      "us-east-1": [],
      "eu-west-1": ["us-east-1->eu-west-1"],
      "ap-southeast-2": [],
    });
    expect(await story.fence()).toMatchObject({ active: "eu-west-1", epoch: 2, run: failover.metadata.name });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
    expect(await story.writer()).toBe(story.aws.members["eu-west-1"]);
    // One writer: the chosen region, writable through its run; the other candidate and the old primary fenced.
    expect(await story.flag("eu-west-1")).toBe("false");
    await eventually("us-east-1 read-only by self-fencing", async () =>
      (await story.flag("us-east-1")) === "true" ? true : undefined,
    );
    expect(await story.flag("ap-southeast-2")).toBe("true");
  }, 420_000);

  it("a quorum condemning the first candidate makes the second the target: one run, from ap-southeast-2's controller", async () => {
    const app: Views = {
      "us-east-1": await endpoint(),
      "eu-west-1": await endpoint(),
      "ap-southeast-2": await endpoint(),
    };
    const story = await givenCheckout("three-regions-quorum", {
      "us-east-1": app,
      "eu-west-1": app,
      "ap-southeast-2": app,
    });

    // When: eu-west-1 fails for every observer (the active region is fine: nothing moves), then us-east-1 does too.
    app["eu-west-1"].status = 503;
    for (const seenBy of regions) {
      await eventually(`${seenBy}'s controller to find eu-west-1 Unhealthy`, async () =>
        (await story.policy(seenBy)).status?.regions?.find((r) => r.name === "eu-west-1")?.health === "Unhealthy"
          ? true
          : undefined,
      );
    }
    expect(await story.fence()).toMatchObject({ active: "us-east-1", epoch: 1 });
    app["us-east-1"].status = 503;

    // Then: the failover goes to the one Healthy candidate, once.
    const failover = await theFailover(story, "ap-southeast-2");
    await sleep(10_000);
    expect(await story.runsByRegion()).toEqual({
      "us-east-1": [],
      "eu-west-1": [],
      "ap-southeast-2": ["us-east-1->ap-southeast-2"],
    });
    expect(await story.fence()).toMatchObject({ active: "ap-southeast-2", epoch: 2, run: failover.metadata.name });
    expect(await story.promotions()).toEqual(["FailoverGlobalCluster"]);
    expect(await story.writer()).toBe(story.aws.members["ap-southeast-2"]);
    expect(await story.flag("ap-southeast-2")).toBe("false");
    expect(await story.flag("eu-west-1")).toBe("true");
  }, 420_000);
});
