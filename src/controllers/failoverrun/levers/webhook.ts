/**
 * A webhook notification (a Slack or PagerDuty relay, a status page). Nothing can be observed of a POST already
 * made, so a resumed act sends it again with the same Idempotency-Key (`<run uid>/<step>/<attempt>`) and the
 * receiver de-duplicates; a retry after a failed attempt is a new attempt with a new key.
 *
 * The endpoint is either the plan's https URL, sent without credentials, or the address in a Secret with the token
 * beside it: a plan can name a Secret but not where its token goes (design invariant 8, docs/security.md). What a
 * Secret holds (its address too: a Slack URL is itself a credential) never enters the intent, the observed result or
 * a message; they name the Secret instead.
 */
import {
  addressProblem,
  postWebhook,
  readTarget,
  type WebhookTarget,
} from "../../../actuators/webhook/post-webhook.js";
import { attemptOf, runName, type Lever, type LeverContext, type LeverDeps, type StepOf } from "./lever.js";

type WebhookStep = StepOf<"webhook">;

/** A bound on one request: the step's timeout covers every attempt, and a reconcile must not hang on one receiver. */
const maxRequestMs = 30_000;

const idempotencyKey = (step: WebhookStep, ctx: LeverContext) =>
  `${ctx.run.metadata.uid ?? runName(ctx)}/${step.name}/${attemptOf(ctx, step.name)}`;

export function webhookLever(deps: LeverDeps): Lever<WebhookStep> {
  /** Where the POST goes and how messages name it; read on every call, so an edited Secret takes effect. */
  async function target(step: WebhookStep, ctx: LeverContext): Promise<WebhookTarget & { label: string }> {
    const { secretRef, url } = step.webhook;
    if (secretRef !== undefined) {
      const found = await readTarget(deps.secrets(ctx.namespace, ctx.serviceAccountName), ctx.namespace, secretRef);
      return { ...found, label: `the address in Secret ${ctx.namespace}/${secretRef.name}` };
    }
    // The CRD admits only https (CEL); checked again for an object stored before that rule.
    const problem = addressProblem(url, false);
    if (problem !== undefined) throw new Error(`webhook url ${problem}: a plan-given URL must be https`);
    return { address: url, label: url };
  }
  return {
    async prepare(step, ctx) {
      // Read now so that a missing Secret or a refused address fails before the step starts (and shows in a dry run).
      const { label, token } = await target(step, ctx);
      const ref = step.webhook.secretRef;
      return {
        intent: {
          method: "POST",
          url: label,
          idempotencyKey: idempotencyKey(step, ctx),
          authorization:
            ref && token !== undefined ? `Bearer token from Secret ${ctx.namespace}/${ref.name} key token` : "none",
          body: step.webhook.body,
        },
      };
    },
    async act(step, ctx) {
      const { address, token, label } = await target(step, ctx);
      const key = idempotencyKey(step, ctx);
      if (ctx.dryRun) return { type: "Succeeded", observed: { wouldPost: label, idempotencyKey: key } };
      const verdict = await postWebhook(deps.fetch, {
        url: address,
        label,
        body: step.webhook.body,
        ...(token !== undefined ? { token } : {}),
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
