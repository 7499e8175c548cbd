/**
 * Every AWS call the process makes, counted and timed by service, operation and outcome (ok, throttled, error):
 * one middleware on each SDK client, so no call site can forget it. Timed at the initialize step, the whole call as
 * the caller waits for it, the SDK's own retries included.
 */
import { isThrottling } from "../core/aws-errors.js";
import type { Metrics } from "./metrics.js";

/** The part of an SDK v3 client this needs: its middleware stack. */
interface InstrumentableClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

export function outcomeOf(error: unknown): "ok" | "throttled" | "error" {
  if (error === undefined) return "ok";
  return isThrottling(error) ? "throttled" : "error";
}

export function instrumentAws<C>(client: C, service: string, metrics: Metrics | undefined): C {
  if (!metrics) return client;
  (client as unknown as InstrumentableClient).middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? "unknown").replace(/Command$/, "");
      const stop = metrics.awsRequestDuration.startTimer({ service, operation });
      let failure: unknown;
      try {
        return await next(args);
      } catch (error) {
        failure = error ?? new Error("unknown");
        throw error;
      } finally {
        stop();
        metrics.awsRequests.inc({ service, operation, outcome: outcomeOf(failure) });
      }
    },
    { step: "initialize", name: "switchyardMetrics" },
  );
  return client;
}
