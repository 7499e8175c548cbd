/**
 * A webhook notification (a Slack or PagerDuty relay, a status page). Nothing can be observed of a POST already
 * made, so a resumed act sends it again with the same Idempotency-Key (`<run uid>/<step>/<attempt>`) and the
 * receiver de-duplicates; a retry after a failed attempt is a new attempt with a new key.
 */
import { postWebhook, readToken } from "../../../actuators/webhook/post-webhook.js";
import { attemptOf, runName, type Lever, type LeverContext, type LeverDeps, type StepOf } from "./lever.js";

type WebhookStep = StepOf<"webhook">;

/** A bound on one request: the step's timeout covers every attempt, and a reconcile must not hang on one receiver. */
const maxRequestMs = 30_000;

const idempotencyKey = (step: WebhookStep, ctx: LeverContext) =>
  `${ctx.run.metadata.uid ?? runName(ctx)}/${step.name}/${attemptOf(ctx, step.name)}`;

export function webhookLever(deps: LeverDeps): Lever<WebhookStep> {
  const token = (step: WebhookStep, ctx: LeverContext) =>
    step.webhook.secretRef
      ? readToken(deps.secrets(ctx.namespace, ctx.serviceAccountName), ctx.namespace, step.webhook.secretRef)
      : Promise.resolve(undefined);
  return {
    async prepare(step, ctx) {
      // Read now so that a missing Secret fails before the step starts (and shows in a dry run); never journaled.
      await token(step, ctx);
      const ref = step.webhook.secretRef;
      return {
        intent: {
          method: "POST",
          url: step.webhook.url,
          idempotencyKey: idempotencyKey(step, ctx),
          authorization: ref ? `Bearer token from Secret ${ctx.namespace}/${ref.name} key ${ref.key}` : "none",
          body: step.webhook.body,
        },
      };
    },
    async act(step, ctx) {
      const bearer = await token(step, ctx);
      const key = idempotencyKey(step, ctx);
      if (ctx.dryRun) return { type: "Succeeded", observed: { wouldPost: step.webhook.url, idempotencyKey: key } };
      const verdict = await postWebhook(deps.fetch, {
        url: step.webhook.url,
        body: step.webhook.body,
        ...(bearer !== undefined ? { token: bearer } : {}),
        idempotencyKey: key,
        timeoutMs: Math.min(step.timeoutSeconds * 1000, maxRequestMs),
      });
      const observed = { idempotencyKey: key, ...(verdict.status !== undefined ? { status: verdict.status } : {}) };
      return verdict.type === "Succeeded"
        ? { type: "Succeeded", observed }
        : { type: "Failed", message: verdict.message, observed };
    },
  };
}
