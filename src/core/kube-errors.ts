/**
 * What a failed Kubernetes API call said, out of a client-node ApiException: its HTTP status and the server's message.
 * Pure reading of an error's shape, so it lives in the core: the actuators, the runtime and the CLI all need it, and the
 * core is the one floor below all three.
 */

/** The HTTP status of a client-node ApiException, if the error is one. */
export function kubeStatusOf(error: unknown): number | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "number"
    ? error.code
    : undefined;
}

/** The API server's own message (a Status object's message), not the client's whole response dump. */
export function kubeErrorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && "body" in error) {
    const body: unknown = error.body;
    try {
      const parsed: unknown = typeof body === "string" ? JSON.parse(body) : body;
      if (typeof parsed === "object" && parsed !== null && "message" in parsed && typeof parsed.message === "string") {
        return parsed.message;
      }
    } catch {
      // not JSON: the error's own message below
    }
  }
  return error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error);
}
