/** An approval gate: the engine only executes it once spec.approvals names the step, so acting records the count. */
import type { Lever, StepOf } from "./lever.js";

export function approvalLever(): Lever<StepOf<"approval">> {
  return {
    prepare(step) {
      return Promise.resolve({ intent: { message: step.approval.message } });
    },
    act(_step, ctx) {
      return Promise.resolve({ type: "Succeeded", observed: { approvals: ctx.run.spec.approvals?.length ?? 0 } });
    },
  };
}
