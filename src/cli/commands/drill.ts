/**
 * `switchyard drill now SCHEDULE`: asks the DrillSchedule's controller for a drill now by stamping the drill-now
 * annotation with the current time (the request's identity); with --wait, prints the run the schedule created for it.
 */
import type { Command } from "commander";
import { drillNowAnnotation, drillScheduleLabel } from "../../crds/definitions.js";
import { parseTime, toRfc3339 } from "../../core/time.js";
import { waitFor, type Cli } from "../context.js";
import { usageError } from "../exit-codes.js";
import { parseSeconds } from "../validate.js";

export function registerDrill(program: Command, cli: Cli): void {
  const drill = program.command("drill").description("drills: start one now");
  const now = drill
    .command("now")
    .argument("<schedule>", "DrillSchedule name")
    .description("request a drill now from a DrillSchedule (its suspend and concurrency rules still apply)")
    .option("--wait", "wait for the drill's FailoverRun to be created and print its name")
    .option("--timeout <seconds>", "with --wait, how long to wait", "60")
    .action(async (name: string, options: { wait?: boolean; timeout: string }) => {
      const timeout = parseSeconds("--timeout", options.timeout);
      if (typeof timeout === "string") throw usageError(timeout);
      const client = cli.client(now);
      const schedule = await client.get("DrillSchedule", name);
      const requested = toRfc3339(cli.now());
      await client.mergePatch("DrillSchedule", name, {
        metadata: { annotations: { [drillNowAnnotation]: requested } },
      });
      cli.out(`drillschedule/${name} drill requested at ${requested}`);
      if (schedule.spec.suspend === true) cli.err(`warning: DrillSchedule ${name} is suspended; no drill will start`);
      if (options.wait !== true) return;
      const since = Date.parse(requested);
      const run = await waitFor(cli, `a FailoverRun of DrillSchedule ${name}`, timeout, async () => {
        const runs = await client.list("FailoverRun", `${drillScheduleLabel}=${name}`);
        return runs.find((r) => (parseTime(r.metadata.creationTimestamp) ?? -Infinity) >= since);
      });
      cli.out(`failoverrun/${run.metadata.name} started`);
    });
}
