/**
 * Act 2: the example checkout application — Route53 weights + fencing record, an Aurora global database, a flag
 * ConfigMap per region, the RegionPolicy (Automatic) and FailoverPlan in both clusters.
 */
import { regions, seedCheckoutAws, seedCheckoutClusters } from "../../test/fixtures/checkout-world.js";
import { namespace, say, step, type Stage } from "../stage.js";
import { worldOf, type World } from "../world.js";

/** Seeds the application and returns the reader of its world. */
export async function deployCheckout(stage: Stage): Promise<() => Promise<World>> {
  step("Deploying the checkout application: Route53 records, Aurora global database, flags, policy and plan");
  const aws = await seedCheckoutAws(stage.env.info.aws);
  const urls = Object.fromEntries(regions.map((r) => [r, stage.endpoints[r]!.url]));
  await seedCheckoutClusters(stage.clusters, { namespace, aws, endpoints: urls, mode: "Automatic", approval: false });
  const world = worldOf(stage, aws);
  say(`world: ${JSON.stringify(await world())}`);
  return world;
}
