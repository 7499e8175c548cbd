/**
 * `switchyard pause POLICY` / `resume POLICY`: the automation kill switch, an annotation on the RegionPolicy set or
 * removed with a merge patch of metadata only, so what the user declared in spec is never rewritten.
 */
import type { Command } from "commander";
import { pausedAnnotation, pausedReasonAnnotation } from "../../crds/definitions.js";
import type { Cli } from "../context.js";

/** Why automation was paused, for whoever finds it paused. Metadata beside the kill switch; the controller ignores it. */

export function registerPause(program: Command, cli: Cli): void {
  const pause = program
    .command("pause")
    .argument("<policy>", "RegionPolicy name")
    .description("stop automation for a policy: no decision acts and no run starts a step until resume")
    .option("--reason <text>", "why, kept in the annotation switchyard.dev/paused-reason")
    .action(async (name: string, options: { reason?: string }) => {
      const client = cli.client(pause);
      await client.get("RegionPolicy", name);
      const annotations: Record<string, string | null> = { [pausedAnnotation]: "true" };
      annotations[pausedReasonAnnotation] = options.reason ?? null;
      await client.mergePatch("RegionPolicy", name, { metadata: { annotations } });
      cli.out(`regionpolicy/${name} paused: automation acts on nothing until \`switchyard resume ${name}\``);
    });

  const resume = program
    .command("resume")
    .argument("<policy>", "RegionPolicy name")
    .description("lift the kill switch set by pause")
    .action(async (name: string) => {
      const client = cli.client(resume);
      await client.get("RegionPolicy", name);
      await client.mergePatch("RegionPolicy", name, {
        metadata: { annotations: { [pausedAnnotation]: null, [pausedReasonAnnotation]: null } },
      });
      cli.out(`regionpolicy/${name} resumed`);
    });
}
