/**
 * What every act of the demo works on: the local environment, a Cluster per region, the AWS emulator's control, each
 * region's HTTP endpoint and the controllers; and how the demo speaks (a ▶ line per step, indented lines under it).
 */
import type { RegionPolicy } from "../src/crds/generated/regionpolicies.js";
import type { EmulatorControl } from "../test/env/aws-emulator.js";
import type { Controllers } from "../test/env/controllers.js";
import type { Environment } from "../test/env/environment.js";
import type { Cluster, RegionEndpoint } from "../test/fixtures/world.js";

export const namespace = "checkout";

export const step = (line: string) => console.log(`\n▶ ${line}`);
export const say = (line: string) => console.log(`  ${line}`);

export interface Stage {
  readonly env: Environment;
  /** region → its cluster */
  readonly clusters: Record<string, Cluster>;
  readonly control: EmulatorControl;
  /** region → the endpoint its http signal probes (200 healthy, 503 failing) */
  readonly endpoints: Record<string, RegionEndpoint>;
  readonly controllers: Controllers;
}

/** The checkout RegionPolicy as `region`'s controller reports it. */
export const policyIn = (stage: Stage, region: string) => stage.clusters[region]!.policy(namespace, "checkout");

/** Each region's health in a policy's status, as one line. */
export const health = (policy: RegionPolicy) =>
  (policy.status?.regions ?? []).map((r) => `${r.name}=${r.health}`).join(" ");

/** Stops the controllers, the endpoints and the environment, whatever the acts left running. */
export async function stopStage(stage: Stage): Promise<void> {
  step("Stopping controllers and the environment");
  await stage.controllers.stop();
  await Promise.all(Object.values(stage.endpoints).map((e) => e.stop()));
  await stage.env.stop();
}
