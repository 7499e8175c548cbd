/**
 * The steps a run takes after winning its epoch (flags, scale, Jobs, webhooks) act only while the epoch is still the
 * run's (guard epochStillHeld): one fresh read of the fencing record before each such act. Wrapping the levers keeps
 * the rule in one place rather than in each of them.
 */
import { readFence } from "../../../actuators/route53/fencing-record.js";
import { applyOverride, epochStillHeld } from "../../../core/plan/guards.js";
import type { BoundStep } from "../../../core/plan/steps.js";
import { fencingOf, type Lever, type LeverDeps } from "./lever.js";

export function whileEpochHeld<S extends BoundStep, O>(lever: Lever<S, O>, deps: LeverDeps): Lever<S, O> {
  return {
    ...lever,
    async act(step, ctx, observed) {
      const epoch = ctx.run.status?.epoch;
      const where = fencingOf(ctx.policy);
      if (epoch !== undefined && where !== undefined && !ctx.dryRun) {
        const fence = await readFence(deps.route53, where, deps.route53Options);
        const refusal = epochStillHeld({
          step,
          binding: { from: ctx.run.spec.from, to: ctx.run.spec.to },
          runEpoch: epoch,
          ...(fence ? { fencingRecord: fence.record } : {}),
        });
        const standing = refusal === undefined ? undefined : applyOverride([refusal], ctx.run.spec).kept[0];
        if (standing) return { type: "Refused", reason: standing.reason, message: standing.message };
      }
      return lever.act(step, ctx, observed);
    },
  };
}
