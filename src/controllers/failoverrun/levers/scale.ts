/** Deployment replicas in a region's cluster. */
import { scaleDeployment } from "../../../actuators/scale/deployment-scale.js";
import { otherNamespace, type Lever, type LeverContext, type LeverDeps, type StepOf } from "./lever.js";

type ScaleStep = StepOf<"scale">;

function scaleTarget(step: ScaleStep, ctx: LeverContext) {
  return {
    namespace: step.scale.deploymentRef.namespace ?? ctx.namespace,
    name: step.scale.deploymentRef.name,
    replicas: step.scale.replicas,
  };
}

export function scaleLever(deps: LeverDeps): Lever<ScaleStep> {
  return {
    async prepare(step, ctx) {
      const target = scaleTarget(step, ctx);
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { intent: { ...target }, refusal };
      const api = await deps.scales(step.scale.region, ctx.namespace, ctx.serviceAccountName);
      const found = await scaleDeployment(api, target, true);
      return { intent: { ...target }, before: { replicas: found.before } };
    },
    async act(step, ctx) {
      const target = scaleTarget(step, ctx);
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { type: "Refused", ...refusal, intent: { ...target } };
      const api = await deps.scales(step.scale.region, ctx.namespace, ctx.serviceAccountName);
      const outcome = await scaleDeployment(api, target, ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before } };
    },
    async restore(step, before, ctx) {
      if (typeof before.replicas !== "number") {
        return { type: "Failed", message: "the journal recorded no replica count to restore" };
      }
      const target = scaleTarget(step, ctx);
      const refusal = otherNamespace(target, ctx);
      if (refusal) return { type: "Refused", ...refusal };
      const api = await deps.scales(step.scale.region, ctx.namespace, ctx.serviceAccountName);
      const outcome = await scaleDeployment(api, { ...target, replicas: before.replicas });
      return { type: "Succeeded", observed: { changed: outcome.changed, replicas: before.replicas } };
    },
  };
}
