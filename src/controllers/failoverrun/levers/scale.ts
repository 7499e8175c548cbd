/** Deployment replicas in a region's cluster. */
import { scaleDeployment } from "../../../actuators/scale/deployment-scale.js";
import type { Lever, LeverContext, LeverDeps, StepOf } from "./lever.js";

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
      const api = await deps.scales(step.scale.region, ctx.namespace);
      const found = await scaleDeployment(api, scaleTarget(step, ctx), true);
      return { intent: { ...scaleTarget(step, ctx) }, before: { replicas: found.before } };
    },
    async act(step, ctx) {
      const api = await deps.scales(step.scale.region, ctx.namespace);
      const outcome = await scaleDeployment(api, scaleTarget(step, ctx), ctx.dryRun);
      return { type: "Succeeded", observed: { changed: outcome.changed, before: outcome.before } };
    },
    async restore(step, before, ctx) {
      if (typeof before.replicas !== "number") {
        return { type: "Failed", message: "the journal recorded no replica count to restore" };
      }
      const api = await deps.scales(step.scale.region, ctx.namespace);
      const outcome = await scaleDeployment(api, { ...scaleTarget(step, ctx), replicas: before.replicas });
      return { type: "Succeeded", observed: { changed: outcome.changed, replicas: before.replicas } };
    },
  };
}
