/** Waits until a signal of a region reports the wanted health (read from the policy's status, kept by its controller). */
import type { Lever, StepOf } from "./lever.js";

export function waitForLever(): Lever<StepOf<"waitFor">> {
  return {
    prepare(step) {
      return Promise.resolve({ intent: { ...step.waitFor } });
    },
    act(step, ctx) {
      const { signal, region, healthy } = step.waitFor;
      const seen = ctx.policy.status?.signals?.find((s) => s.name === signal && s.region === region)?.health;
      const wanted = healthy ? "Healthy" : "Unhealthy";
      return Promise.resolve(
        seen === wanted
          ? { type: "Succeeded", observed: { health: seen } }
          : {
              type: "InProgress",
              observed: { health: seen ?? "Unknown" },
              message: `waiting for ${signal}@${region} ${wanted}`,
            },
      );
    },
  };
}
