/**
 * Act 4: us-east-1's endpoint starts failing. The controllers detect it (dampened) and decide, and eu-west-1's
 * controller fails over — writes frozen, traffic and the fencing epoch moved in one batch, the Aurora writer promoted,
 * writes resumed — then the run's evidence and the world afterwards.
 */
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import { publishReplicationLag } from "../../test/fixtures/checkout-world.js";
import { eventually } from "../../test/fixtures/world.js";
import { evidence, follow } from "../runs.js";
import { namespace, policyIn, say, step, type Stage } from "../stage.js";
import type { World } from "../world.js";

export interface Failover {
  /** the run succeeded and the world shows eu-west-1 serving traffic, holding the writer and writable */
  ok: boolean;
  run: FailoverRun;
  /** the world once the run had ended */
  after: World;
}

export async function failOver(stage: Stage, world: () => Promise<World>): Promise<Failover> {
  // The replication lag Aurora publishes for the secondary (the emulator replicates nothing, so the demo publishes
  // it): the RPO evidence a failover with data loss records.
  await publishReplicationLag(stage.env.info.aws, "eu-west-1", 800);
  say("Aurora reports eu-west-1's replication lag: 800 ms");

  step("us-east-1's API starts answering 503");
  stage.endpoints["us-east-1"]!.status = 503;
  const started = Date.now();
  let lastLine = "";
  const run = await eventually(
    "eu-west-1's controller to create a FailoverRun",
    async () => {
      const policy = await policyIn(stage, "eu-west-1");
      const signal = policy.status?.signals?.find((s) => s.region === "us-east-1");
      const line = `t+${((Date.now() - started) / 1000).toFixed(1)}s  us-east-1 api: ${signal?.health} (${signal?.consecutiveFailures} consecutive failures, ${signal?.lastDetail ?? ""})  decision: ${policy.status?.lastDecision?.decision ?? "-"}`;
      if (line.replace(/^t\+\S+/, "") !== lastLine) say(line);
      lastLine = line.replace(/^t\+\S+/, "");
      const runs = await stage.clusters["eu-west-1"]!.runs(namespace);
      return runs[0];
    },
    60_000,
  );
  say(`decision: ${(await policyIn(stage, "eu-west-1")).status?.lastDecision?.message ?? ""}`);
  say(`FailoverRun ${run.metadata.name} created in eu-west-1 (the target region executes the failover)`);

  step(`Executing ${run.metadata.name}`);
  const finished = await follow(stage.clusters["eu-west-1"]!, run.metadata.name ?? "");

  step(`Run ${finished.status?.phase}: evidence`);
  evidence(finished);
  const after = await world();
  say(`world: ${JSON.stringify(after)}`);
  const ok =
    finished.status?.phase === "Succeeded" &&
    after.weights["eu-west-1"] === 100 &&
    after.weights["us-east-1"] === 0 &&
    after.writer === "eu-west-1" &&
    after.readOnly["eu-west-1"] === "false";
  say(ok ? "✔ failover complete: eu-west-1 serves traffic and holds the writer" : "✘ the failover did not complete");
  return { ok, run: finished, after };
}
