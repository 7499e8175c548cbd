/** ConfigMap flags in a region's cluster (local, or through the peer kubeconfig Secret). */
import { setFlag } from "../../../actuators/flags/configmap-flag.js";
import type { Lever, LeverContext, LeverDeps, StepOf } from "./lever.js";

type FlagStep = StepOf<"flag">;

function flagTarget(step: FlagStep, ctx: LeverContext) {
  return {
    namespace: step.flag.configMapRef.namespace ?? ctx.namespace,
    name: step.flag.configMapRef.name,
    key: step.flag.key,
    value: step.flag.value,
  };
}

export function flagLever(deps: LeverDeps): Lever<FlagStep> {
  return {
    async prepare(step, ctx) {
      const target = flagTarget(step, ctx);
      const api = await deps.configMaps(step.flag.region, ctx.namespace);
      const found = await setFlag(api, target, true);
      return { intent: { ...target }, before: { value: found.before ?? null } };
    },
    async act(step, ctx) {
      const api = await deps.configMaps(step.flag.region, ctx.namespace);
      const outcome = await setFlag(api, flagTarget(step, ctx), ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before ?? null } };
    },
    async restore(step, before, ctx) {
      if (!("value" in before)) return { type: "Failed", message: "the journal recorded no flag value to restore" };
      const value = typeof before.value === "string" ? before.value : null;
      const api = await deps.configMaps(step.flag.region, ctx.namespace);
      const outcome = await setFlag(api, { ...flagTarget(step, ctx), value });
      return { type: "Succeeded", observed: { changed: outcome.changed, value } };
    },
  };
}
