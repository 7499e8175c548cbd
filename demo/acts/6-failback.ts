/**
 * Act 6: the failback, as an SRE does it — a manual FailoverRun eu-west-1 → us-east-1, executed by us-east-1's
 * controller: traffic back, the writer back by a switchover (no data loss), fencing epoch 3 — then its evidence.
 */
import { stringify } from "yaml";
import { group, plurals, version } from "../../src/crds/definitions.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { evidence, follow } from "../runs.js";
import { namespace, say, step, type Stage } from "../stage.js";
import type { World } from "../world.js";

export interface Failback {
  /** the run succeeded as a switchover under epoch 3 and the world shows us-east-1 home again */
  ok: boolean;
  run: FailoverRun;
}

export async function failBack(stage: Stage, world: () => Promise<World>): Promise<Failback> {
  const home = stage.clusters["us-east-1"]!;
  step(
    "An SRE fails back: a manual FailoverRun eu-west-1 → us-east-1, created in us-east-1 (its controller executes it)",
  );
  const failback = {
    apiVersion: "switchyard.dev/v1alpha1",
    kind: "FailoverRun",
    metadata: { name: "checkout-failback", namespace },
    spec: {
      planRef: { name: "checkout" },
      from: "eu-west-1",
      to: "us-east-1",
      trigger: "Manual",
      reason: "us-east-1 is healthy again: planned return to the primary region",
    },
  };
  say(`kubectl --kubeconfig ${home.info.kubeconfig} create -f - <<EOF`);
  for (const line of stringify(failback).trimEnd().split("\n")) say(`  ${line}`);
  say("EOF");
  await home.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural: plurals.FailoverRun,
    body: failback,
  });
  const back = await follow(home, failback.metadata.name);

  step(`Run ${back.status?.phase}: evidence`);
  evidence(back);
  const now = await world();
  say(`world: ${JSON.stringify(now)}`);
  const promotions = (await stage.control.calls())
    .filter((c) => /^(Switchover|Failover)GlobalCluster$/.test(c.action))
    .map((c) => c.action);
  say(
    `Aurora calls so far: ${promotions.join(", ")} (the failback was a switchover: the writer waited for its replica)`,
  );
  const ok =
    back.status?.phase === "Succeeded" &&
    back.status.epoch === 3 &&
    back.status.rpo?.seconds === 0 &&
    now.weights["us-east-1"] === 100 &&
    now.weights["eu-west-1"] === 0 &&
    now.writer === "us-east-1" &&
    now.fence === "us-east-1 @ epoch 3" &&
    now.readOnly["us-east-1"] === "false" &&
    now.readOnly["eu-west-1"] === "true" &&
    promotions.join() === "FailoverGlobalCluster,SwitchoverGlobalCluster";
  say(
    ok
      ? "✔ failback complete: us-east-1 serves traffic and holds the writer again (switchover, no data loss, epoch 3)"
      : "✘ the failback did not complete",
  );
  return { ok, run: back };
}
