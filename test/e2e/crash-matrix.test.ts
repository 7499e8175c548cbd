/**
 * The crash matrix: the controller executing a planned switchover is killed (SIGKILL, through a failpoint — see
 * src/runtime/failpoints.ts) at every step boundary and between every lever's external call and its journal entry:
 *   after-started:<step>  the intent is stored, nothing called yet;
 *   after-act:<step>      the lever acted (traffic moved with the epoch, the promotion called, the flag written), the
 *                         journal does not know it;
 *   after-result:<step>   between two steps.
 * A successor takes the lease and resumes from the journal. Every run must end Succeeded with the world in the
 * planned state, exactly one promotion call and one epoch change counted at the AWS emulator, and the promotion step
 * attempted once. The Aurora transition is long enough that `after-act:promote-db` is a crash while the promotion is
 * still under way (inside the actuator's operation).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { observeGlobalCluster } from "../../src/actuators/aurora/global-cluster.js";
import { readFence } from "../../src/actuators/route53/fencing-record.js";
import { rdsClient, route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";
import { Controllers, type ControllerProcess } from "../env/controllers.js";
import { manualRun } from "../fixtures/builders.js";
import { fenceName, seedCheckout } from "../fixtures/checkout-world.js";
import { Cluster, RegionEndpoint, eventually } from "../fixtures/world.js";

const env = inject("env");
const [east, west] = env.regions.map((r) => new Cluster(env, r)) as [Cluster, Cluster];
const control = new EmulatorControl(env.aws.endpoint);
const lease = { durationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.25 };
const steps = ["freeze-writes", "shift-traffic", "promote-db", "wait-new-region", "unfreeze"];
const points = ["after-started", "after-act", "after-result"];
/** eu-west-1's controllers: each case's in a namespace (and lease) of its own, all logging to one folder. */
const controllers = new Controllers({ aws: env.aws, lease });
let endpoint: RegionEndpoint;

beforeAll(async () => {
  endpoint = await RegionEndpoint.start();
}, 60_000);

afterAll(async () => {
  await controllers.stop();
  await endpoint?.stop();
});

function controller(namespace: string, failpoints?: string[]): Promise<ControllerProcess> {
  return controllers.start("eu-west-1", west.info, {
    leaseName: namespace,
    namespace,
    ...(failpoints ? { failpoints } : {}),
  });
}

const cases = steps.flatMap((step) => points.map((point) => `${point}:${step}`));

describe("a controller killed at every point of a switchover", () => {
  it.each(cases)(
    "%s: the successor finishes without repeating a promotion or an epoch",
    async (failpoint) => {
      const namespace = `crash-${cases.indexOf(failpoint)}`;
      await control.reset();
      // The promotion outlasts the crash and the successor's start, so the successor finds it under way.
      await control.configure({ changePropagationSeconds: 0.2, globalClusterTransitionSeconds: 4 });
      const { aws } = await seedCheckout(
        env.aws,
        { "us-east-1": east, "eu-west-1": west },
        { namespace, endpoints: endpoint.url, mode: "Manual", approval: false },
      );
      const first = await controller(namespace, [failpoint]);
      await west.apply(manualRun(namespace, "switch", { from: "us-east-1", to: "eu-west-1" }));
      await eventually("the failpoint to kill the controller", () =>
        Promise.resolve(first.process.exited() ? true : undefined),
      );
      const successor = await controller(namespace);

      const done = await west.finishedRun(namespace, "switch", 60_000);
      expect(done.status?.phase).toBe("Succeeded");
      expect(done.status?.journal?.map((e) => e.state)).toEqual(steps.map(() => "Succeeded"));
      expect(done.status?.journal?.find((e) => e.name === "promote-db")?.attempts).toBe(1);
      const calls = await control.calls();
      const promotions = calls.filter(
        (c) => c.action === "SwitchoverGlobalCluster" || c.action === "FailoverGlobalCluster",
      );
      expect(promotions).toHaveLength(1);
      // The seed wrote the record once (epoch 1); the run's swap is the only other change batch touching it.
      const fence = await readFence(
        route53Client(env.aws),
        { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 },
        { acquire: () => Promise.resolve(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      );
      expect(fence?.record).toMatchObject({ active: "eu-west-1", epoch: 2, run: "switch", history: { by: "manual" } });
      expect(done.status?.epoch).toBe(2);
      expect((await observeGlobalCluster(rdsClient(env.aws, "eu-west-1"), "checkout")).writer).toBe(
        aws.members["eu-west-1"],
      );
      const flag = async (cluster: Cluster) =>
        (await cluster.core.readNamespacedConfigMap({ name: "app-flags", namespace })).data?.read_only;
      expect(await flag(east)).toBe("true");
      expect(await flag(west)).toBe("false");
      await successor.process.stop();
    },
    120_000,
  );
});
