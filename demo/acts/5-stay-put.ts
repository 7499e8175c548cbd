/**
 * Act 5: us-east-1 recovers. Both controllers see it Healthy again and Switchyard stays put: failback is Manual in
 * this policy, so nothing moves on its own (no flip-flop).
 */
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import { regions } from "../../test/fixtures/checkout-world.js";
import { eventually } from "../../test/fixtures/world.js";
import { health, namespace, policyIn, say, step, type Stage } from "../stage.js";
import type { World } from "../world.js";
import type { Failover } from "./4-failover.js";

/** How long the demo watches a recovered us-east-1 to show that nothing moves on its own. */
const stayPutMs = 3000;

/** True when, some time after the recovery, there is still one run and the world is where the failover left it. */
export async function stayPut(stage: Stage, world: () => Promise<World>, failover: Failover): Promise<boolean> {
  step("us-east-1 recovers: its API answers 200 again");
  stage.endpoints["us-east-1"]!.status = 200;
  const recovered = Date.now();
  let lastLine = "";
  await eventually(
    "both controllers to see us-east-1 Healthy again",
    async () => {
      const [west, east] = [await policyIn(stage, "eu-west-1"), await policyIn(stage, "us-east-1")];
      const signal = west.status?.signals?.find((s) => s.region === "us-east-1");
      const decision = west.status?.lastDecision;
      const line = `t+${((Date.now() - recovered) / 1000).toFixed(1)}s  us-east-1 api: ${signal?.health} (${signal?.consecutiveSuccesses ?? 0} consecutive successes, ${signal?.lastDetail ?? ""})  decision: ${decision?.decision ?? "-"} (${decision?.reason ?? "-"})`;
      if (line.replace(/^t\+\S+/, "") !== lastLine) say(line);
      lastLine = line.replace(/^t\+\S+/, "");
      const healthy = (p: RegionPolicy) => p.status?.regions?.find((r) => r.name === "us-east-1")?.health === "Healthy";
      return healthy(west) && healthy(east) && decision?.reason === "FailbackAwaitsHuman" ? true : undefined;
    },
    60_000,
  );
  // Give automation every chance to move on its own; it must not.
  await new Promise((r) => setTimeout(r, stayPutMs));
  const runsNow =
    (await stage.clusters["eu-west-1"]!.runs(namespace)).length +
    (await stage.clusters["us-east-1"]!.runs(namespace)).length;
  for (const region of regions) {
    const decision = (await policyIn(stage, region)).status?.lastDecision;
    say(
      `${region}'s controller: ${health(await policyIn(stage, region))}; decision ${decision?.decision} (${decision?.reason}) — ${decision?.message ?? ""}`,
    );
  }
  const resting = await world();
  say(`world ${stayPutMs / 1000} s later: ${JSON.stringify(resting)}; FailoverRuns: ${runsNow}`);
  const stayedPut =
    runsNow === 1 &&
    resting.weights["eu-west-1"] === 100 &&
    resting.writer === "eu-west-1" &&
    resting.fence === failover.after.fence;
  say(
    stayedPut
      ? "✔ Switchyard stays put: failback is Manual in this policy, so a person chooses when to return (no flip-flop)"
      : "✘ Switchyard moved on its own although failback is Manual",
  );
  return stayedPut;
}
