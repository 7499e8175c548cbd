/**
 * A webhook notification: one POST of the step's JSON body, with an optional bearer token from a Secret and an
 * Idempotency-Key that stays the same for every resend of one attempt. A POST cannot be observed afterwards, so after
 * a crash it is sent again; the key lets the receiver recognise the resend (the CRD asks receivers to tolerate one).
 */
import type { CoreV1Api } from "@kubernetes/client-node";

export type SecretApi = Pick<CoreV1Api, "readNamespacedSecret">;
export type Fetch = typeof fetch;

export interface WebhookRequest {
  url: string;
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

/** The token in a Secret of the run's namespace (surrounding whitespace dropped: files often end in a newline). */
export async function readToken(
  api: SecretApi,
  namespace: string,
  ref: { name: string; key: string },
): Promise<string> {
  let secret;
  try {
    secret = await api.readNamespacedSecret({ name: ref.name, namespace });
  } catch (error) {
    if ((error as { code?: number }).code === 404) throw new Error(`Secret ${namespace}/${ref.name} does not exist`);
    throw error;
  }
  const data = secret.data?.[ref.key];
  if (data === undefined) throw new Error(`Secret ${namespace}/${ref.name} has no key ${ref.key}`);
  const token = Buffer.from(data, "base64").toString("utf8").trim();
  if (token === "") throw new Error(`Secret ${namespace}/${ref.name} key ${ref.key} is empty`);
  return token;
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
    return classifyResponse(response.status, response.statusText, text);
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
        ? `no answer within ${request.timeoutMs} ms`
        : error instanceof Error
          ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
          : String(error);
    return { type: "Failed", message: `webhook POST to ${request.url} failed: ${reason}` };
  }
}
