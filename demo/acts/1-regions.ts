/** Act 1: two real control planes (us-east-1, eu-west-1), the AWS emulator, and an HTTP endpoint per region. */
import { EmulatorControl } from "../../test/env/aws-emulator.js";
import { Controllers } from "../../test/env/controllers.js";
import { startEnvironment } from "../../test/env/environment.js";
import { regions } from "../../test/fixtures/checkout-world.js";
import { Cluster, RegionEndpoint } from "../../test/fixtures/world.js";
import { namespace, say, step, stopStage, type Stage } from "../stage.js";

export async function startRegions(): Promise<Stage> {
  step("Starting two regions (etcd + kube-apiserver each) and the AWS emulator (moto + Switchyard's plugin)");
  const env = await startEnvironment({ regionCount: 2, log: say });
  const stage: Stage = {
    env,
    clusters: Object.fromEntries(env.info.regions.map((r) => [r.name, new Cluster(env.info, r)])),
    control: new EmulatorControl(env.info.aws.endpoint),
    endpoints: {},
    controllers: new Controllers({ aws: env.info.aws, logDir: env.info.dir, namespace }),
  };
  try {
    await stage.control.configure({ changePropagationSeconds: 1, globalClusterTransitionSeconds: 2 });
    for (const region of regions) stage.endpoints[region] = await RegionEndpoint.start();
  } catch (error) {
    await stopStage(stage);
    throw error;
  }
  return stage;
}
