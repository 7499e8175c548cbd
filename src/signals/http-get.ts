/**
 * One GET for the probes, on node:http with keep-alive agents. A thousand policies probe hundreds of times a second;
 * fetch built a Request, a Response, WHATWG streams and, to skip the body, cancelled the stream and with it the
 * connection, so every sample paid a new TCP connection and a burst of garbage. Here the body is drained (or read, up
 * to a limit) so the connection is reused, and the timeout covers the whole answer, as a signal's timeoutSeconds says.
 */
import http from "node:http";
import https from "node:https";

export interface HttpGetOptions {
  timeoutMs: number;
  /** aborts the request (the controller stops, the signal was removed) */
  signal: AbortSignal;
  headers?: Record<string, string>;
  /** read the body (up to maxBodyBytes) instead of draining it */
  readBody: boolean;
}

export interface HttpAnswer {
  status: number;
  /** the body as text when asked for, "" otherwise */
  body: string;
}

/** Bodies are health answers: anything longer is cut here, and a drained body this long closes the connection. */
export const maxBodyBytes = 1 << 20;

const agents = {
  "http:": new http.Agent({ keepAlive: true, scheduling: "lifo" }),
  "https:": new https.Agent({ keepAlive: true, scheduling: "lifo" }),
};

class ProbeAbort extends Error {
  constructor(
    override readonly name: "TimeoutError" | "AbortError",
    message: string,
  ) {
    super(message);
  }
}

export function httpGet(url: URL, options: HttpGetOptions): Promise<HttpAnswer> {
  const agent = url.protocol === "https:" ? agents["https:"] : url.protocol === "http:" ? agents["http:"] : undefined;
  if (!agent) return Promise.reject(new Error(`unsupported URL scheme ${url.protocol}`));
  const request = url.protocol === "https:" ? https.request : http.request;
  return new Promise<HttpAnswer>((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new ProbeAbort("AbortError", "aborted"));
      return;
    }
    const req = request(url, { method: "GET", agent, headers: options.headers });
    // Why the request was stopped from here: after the answer began, Node reports a destroyed request as "aborted".
    let stopped: Error | undefined;
    const stop = (error: ProbeAbort) => {
      stopped = error;
      req.destroy(error);
    };
    const timer = setTimeout(() => stop(new ProbeAbort("TimeoutError", "timed out")), options.timeoutMs);
    const onAbort = () => stop(new ProbeAbort("AbortError", "aborted"));
    options.signal.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    const settle = (outcome: { answer: HttpAnswer } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      if ("answer" in outcome) resolve(outcome.answer);
      else reject(stopped ?? outcome.error);
    };
    req.on("error", (error) => settle({ error }));
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let length = 0;
      const answer = () => ({ status, body: options.readBody ? Buffer.concat(chunks).toString("utf8") : "" });
      res.on("data", (chunk: Buffer) => {
        const room = maxBodyBytes - length;
        length += chunk.length;
        if (options.readBody && room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
        // A body this long is no health answer: judge what was read, and give up the connection.
        if (length > maxBodyBytes) {
          settle({ answer: answer() });
          res.destroy();
        }
      });
      res.on("end", () => settle({ answer: answer() }));
      res.on("error", (error) => settle({ error }));
      res.on("close", () => settle({ error: new Error("the connection closed before the answer ended") }));
    });
    req.end();
  });
}
