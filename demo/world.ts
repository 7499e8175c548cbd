/**
 * The checkout world as the demo prints and checks it: each region's Route53 weight, the fencing record, which
 * region holds the Aurora writer, and each region's read_only flag.
 */
import { observeGlobalCluster } from "../src/actuators/aurora/global-cluster.js";
import { readFence } from "../src/actuators/route53/fencing-record.js";
import { observeWeightedRecords } from "../src/actuators/route53/weights.js";
import { rdsClient, route53Client } from "../test/env/aws-clients.js";
import { fenceName, recordName, regions, setIdentifiers, type CheckoutAws } from "../test/fixtures/checkout-world.js";
import { namespace, type Stage } from "./stage.js";

const noQuota = {
  acquire: () => Promise.resolve(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

export interface World {
  /** region → its weighted record's weight */
  weights: Record<string, number | undefined>;
  /** "<active> @ epoch <n>", or "none" */
  fence: string;
  /** the region holding the writer (its ARN where no region matches) */
  writer: string | undefined;
  /** region → its app-flags read_only value */
  readOnly: Record<string, string | undefined>;
}

/** A reader of the world the checkout application (seeded as `aws`) lives in. */
export function worldOf(stage: Stage, aws: CheckoutAws): () => Promise<World> {
  const route53 = route53Client(stage.env.info.aws);
  return async () => {
    const records = await observeWeightedRecords(
      route53,
      { hostedZoneId: aws.zoneId, recordName, type: "CNAME" },
      noQuota,
    );
    const fence = await readFence(
      route53,
      { hostedZoneId: aws.zoneId, recordName: fenceName, ttlSeconds: 60 },
      noQuota,
    );
    const writer = (await observeGlobalCluster(rdsClient(stage.env.info.aws, "us-east-1"), "checkout")).writer;
    const flags: Record<string, string | undefined> = {};
    for (const region of regions) {
      const map = await stage.clusters[region]!.core.readNamespacedConfigMap({ name: "app-flags", namespace });
      flags[region] = map.data?.read_only;
    }
    return {
      weights: Object.fromEntries(regions.map((r) => [r, records.get(setIdentifiers[r])?.Weight])),
      fence: fence ? `${fence.record.active} @ epoch ${fence.record.epoch}` : "none",
      writer: Object.entries(aws.members).find(([, arn]) => arn === writer)?.[0] ?? writer,
      readOnly: flags,
    };
  };
}
