/**
 * The controller as the image runs it: the one-file bundle (scripts/build-controller.ts) run by a bare node, one per
 * region, against real API servers and the AWS emulator. Bundling can break what only runs at run time — the CRD
 * files read at start, the AWS SDK's lazily loaded parts, TLS to the API server, the peer watch through the tenant's
 * kubeconfig — none of which the sources run by tsx (every other story) would notice.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildController } from "../../scripts/build-controller.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { Controllers } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { checkoutFence, promotionCalls, seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const namespace = "bundle";
const lease = { durationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 0.5 };
let endpoint: RegionEndpoint;
let controllers: Controllers;
let zoneId = "";

beforeAll(async () => {
  const entry = await buildController();
  endpoint = await RegionEndpoint.start();
  await new EmulatorControl(env.aws.endpoint).reset();
  ({
    aws: { zoneId },
  } = await seedCheckout(
    env.aws,
    { "us-east-1": east, "eu-west-1": west },
    { namespace, endpoints: endpoint.url, mode: "Manual", approval: false },
  ));
  controllers = new Controllers({ aws: env.aws, lease, leaseName: namespace, namespace, entry });
  await controllers.start("us-east-1", east.info);
  await controllers.start("eu-west-1", west.info);
}, 180_000);

afterAll(async () => {
  await controllers?.stop();
  await endpoint?.stop();
});

describe("the controller bundle the image runs", () => {
  it("judges each region by both controllers' views, the peer's read through the tenant's kubeconfig", async () => {
    const regions = await eventually(
      "both regions Healthy by two observers",
      async () => {
        const found = (await east.policy(namespace, "checkout")).status?.regions ?? [];
        const both = found.every((r) => r.health === "Healthy" && r.healthyObservers?.length === 2);
        return found.length === 2 && both ? found : undefined;
      },
      60_000,
    );
    expect(regions.map((r) => [...(r.healthyObservers ?? [])].sort())).toEqual([
      ["controller/eu-west-1", "controller/us-east-1"],
      ["controller/eu-west-1", "controller/us-east-1"],
    ]);
  });

  it("runs a person's switchover through every lever", async () => {
    await west.apply(manualRun(namespace, "switch", { from: "us-east-1", to: "eu-west-1" }));
    const done = await west.finishedRun(namespace, "switch", 90_000);
    expect(done.status?.phase).toBe("Succeeded");
    expect((await checkoutFence(env.aws, zoneId))?.active).toBe("eu-west-1");
    expect(await promotionCalls(env.aws)).toHaveLength(1);
  }, 120_000);
});
