/** Act 3: one Switchyard controller per region, probing each region's HTTP endpoint, until both see both Healthy. */
import { regions } from "../../test/fixtures/checkout-world.js";
import { eventually } from "../../test/fixtures/world.js";
import { health, policyIn, say, step, type Stage } from "../stage.js";

export async function startControllerPerRegion(stage: Stage): Promise<void> {
  step("Starting one Switchyard controller per region");
  for (const region of regions) {
    const c = await stage.controllers.start(region, stage.clusters[region]!.info);
    say(`${region}: controller ${c.identity}, metrics at ${c.healthUrl}/metrics`);
  }
  await eventually(
    "both regions Healthy",
    async () => {
      const policy = await policyIn(stage, "eu-west-1");
      return policy.status?.regions?.every((r) => r.health === "Healthy") ? true : undefined;
    },
    60_000,
  );
  for (const region of regions) say(`${region}'s controller sees: ${health(await policyIn(stage, region))}`);
}
