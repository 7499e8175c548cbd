/**
 * A webhook notification: one POST of the step's JSON body to a plan-given https URL, or to the address a Secret
 * names with the bearer token beside it (never a Secret's token to a plan's URL), and an
 * Idempotency-Key that stays the same for every resend of one attempt. A POST cannot be observed afterwards, so after
 * a crash it is sent again; the key lets the receiver recognise the resend (the CRD asks receivers to tolerate one).
 */
import type { CoreV1Api } from "@kubernetes/client-node";

export type SecretApi = Pick<CoreV1Api, "readNamespacedSecret">;
export type Fetch = typeof fetch;

export interface WebhookRequest {
  url: string;
  /** how messages name the endpoint: the URL itself, or where it came from when a Secret holds it */
  label: string;
  body: string;
  /** sent as `Authorization: Bearer <token>` */
  token?: string;
  idempotencyKey: string;
  timeoutMs: number;
}

export type WebhookVerdict =
  { type: "Succeeded"; status: number } | { type: "Failed"; message: string; status?: number };

/** At most `max` characters of a response body, on one line: enough to tell a receiver's error, never a page of HTML. */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max)}…`;
}

/** 2xx succeeds; anything else (a redirect included: it is not followed) fails with the status and the body's start. */
export function classifyResponse(status: number, statusText: string, body: string): WebhookVerdict {
  if (status >= 200 && status < 300) return { type: "Succeeded", status };
  const said = excerpt(body);
  return {
    type: "Failed",
    status,
    message: `webhook answered ${status}${statusText ? ` ${statusText}` : ""}${said ? `: ${said}` : ""}`,
  };
}

/** Where a webhook goes and what it carries, as read from a Secret: never journaled, logged or put in an Event. */
export interface WebhookTarget {
  address: string;
  token?: string;
}

/** The Secret's keys, after a Flux notification Provider's Secret: the endpoint and its credentials live together. */
export const targetKeys = { address: "address", token: "token", allowInsecure: "allowInsecure" } as const;

/**
 * Why an address may not be posted to, or undefined when it may: an absolute https URL, or http when the Secret that
 * holds it says so (a receiver inside the cluster). The message never repeats the address (it may hold a secret path).
 */
export function addressProblem(address: string, allowInsecure: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:") {
    return allowInsecure ? undefined : `is plain http:// (set key ${targetKeys.allowInsecure} to "true" to allow it)`;
  }
  return `has scheme ${url.protocol.replace(/:$/, "")}, not https`;
}

const decoded = (data: string | undefined) =>
  data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8").trim();

/**
 * The address and token in a Secret of the run's namespace (surrounding whitespace dropped: files often end in a
 * newline). The address must pass `addressProblem`, so a plan can only ever reach the endpoint its Secret names.
 */
export async function readTarget(api: SecretApi, namespace: string, ref: { name: string }): Promise<WebhookTarget> {
  let secret;
  try {
    secret = await api.readNamespacedSecret({ name: ref.name, namespace });
  } catch (error) {
    if ((error as { code?: number }).code === 404) throw new Error(`Secret ${namespace}/${ref.name} does not exist`);
    throw error;
  }
  const where = `Secret ${namespace}/${ref.name}`;
  const address = decoded(secret.data?.[targetKeys.address]);
  if (address === undefined) throw new Error(`${where} has no key ${targetKeys.address} (the URL to POST to)`);
  const allowInsecure = decoded(secret.data?.[targetKeys.allowInsecure]) === "true";
  const problem = addressProblem(address, allowInsecure);
  if (problem !== undefined) throw new Error(`${where} key ${targetKeys.address} ${problem}`);
  const token = decoded(secret.data?.[targetKeys.token]);
  if (token === "") throw new Error(`${where} key ${targetKeys.token} is empty`);
  return token === undefined ? { address } : { address, token };
}

/** `text` with the token, and the URL when it is not what messages may show, replaced by a mark. */
function redact(text: string, request: WebhookRequest): string {
  let out = text;
  // The address first: the token may be part of it.
  if (request.label !== request.url) out = out.split(request.url).join("[address]");
  if (request.token) out = out.split(request.token).join("[token]");
  return out;
}

export async function postWebhook(fetchFn: Fetch, request: WebhookRequest): Promise<WebhookVerdict> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "idempotency-key": request.idempotencyKey,
    "user-agent": "switchyard-controller",
  };
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  try {
    const response = await fetchFn(request.url, {
      method: "POST",
      headers,
      body: request.body,
      // A redirected POST may turn into a GET elsewhere, or carry the token to another host: report it instead.
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = response.ok ? "" : await response.text().catch(() => "");
    if (response.ok) await response.body?.cancel();
    // A receiver may echo what it was sent ("invalid token …"); its words are journaled, the credentials are not.
    return classifyResponse(response.status, response.statusText, redact(text, request));
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
        ? `no answer within ${request.timeoutMs} ms`
        : error instanceof Error
          ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
          : String(error);
    return { type: "Failed", message: `webhook POST to ${request.label} failed: ${redact(reason, request)}` };
  }
}
