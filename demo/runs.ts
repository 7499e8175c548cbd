/** A FailoverRun as the demo shows it: followed step by step while it executes, then the evidence it recorded. */
import { isFinalPhase } from "../src/core/runs.js";
import type { FailoverRun } from "../src/crds/generated/failoverruns.js";
import { eventually, type Cluster } from "../test/fixtures/world.js";
import { namespace, say } from "./stage.js";

/** Prints each journal transition of a run as it happens; returns the run once it has ended and its evidence is written. */
export async function follow(cluster: Cluster, name: string): Promise<FailoverRun> {
  const seen = new Set<string>();
  return eventually(
    `${name} to finish`,
    async () => {
      const current = (await cluster.runs(namespace)).find((r) => r.metadata.name === name);
      for (const entry of current?.status?.journal ?? []) {
        const key = `${entry.name}:${entry.state}`;
        if (!seen.has(key)) {
          seen.add(key);
          say(`${entry.name.padEnd(16)} ${entry.state}${entry.message ? ` — ${entry.message}` : ""}`);
        }
      }
      // finishedAt, rto and rpo are written with the run's Complete condition, just after the phase turns final.
      const final = isFinalPhase(current?.status?.phase) && current?.status?.finishedAt;
      return final ? current : undefined;
    },
    120_000,
  );
}

/** What each step found before it acted (what a rollback would restore), and the run's RTO, RPO and epoch. */
export function evidence(run: FailoverRun): void {
  for (const entry of run.status?.journal ?? []) {
    say(`${entry.name.padEnd(16)} ${String(entry.state).padEnd(10)} before=${JSON.stringify(entry.before ?? {})}`);
  }
  const { rto, rpo } = run.status ?? {};
  say(`RTO: ${rto?.seconds ?? "?"} s (objective 300 s); fencing epoch won: ${run.status?.epoch}`);
  say(
    `RPO: ${rpo ? `${rpo.seconds} s (objective 5 s) — ${rpo.source ?? "no source recorded"}` : "no evidence recorded"}`,
  );
}
