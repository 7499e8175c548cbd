/** ConfigMap flags in a region's cluster (local, or through the peer kubeconfig Secret). */
import { setFlag } from "../../../actuators/flags/configmap-flag.js";
import { otherNamespace, type Lever, type LeverContext, type LeverDeps, type StepOf } from "./lever.js";

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
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { intent: { ...target }, refusal };
      const api = await deps.configMaps(step.flag.region, ctx.namespace, ctx.serviceAccountName);
      const found = await setFlag(api, target, true);
      return { intent: { ...target }, before: { value: found.before ?? null } };
    },
    async act(step, ctx) {
      const target = flagTarget(step, ctx);
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { type: "Refused", ...refusal, intent: { ...target } };
      const api = await deps.configMaps(step.flag.region, ctx.namespace, ctx.serviceAccountName);
      const outcome = await setFlag(api, target, ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before ?? null } };
    },
    async restore(step, before, ctx) {
      if (!("value" in before)) return { type: "Failed", message: "the journal recorded no flag value to restore" };
      const value = typeof before.value === "string" ? before.value : null;
      const target = flagTarget(step, ctx);
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { type: "Refused", ...refusal };
      const api = await deps.configMaps(step.flag.region, ctx.namespace, ctx.serviceAccountName);
      const outcome = await setFlag(api, { ...target, value });
      return { type: "Succeeded", observed: { changed: outcome.changed, value } };
    },
  };
}
