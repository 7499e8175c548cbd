/**
 * Failpoints for crash tests, in the manner of etcd's gofail: SWITCHYARD_FAILPOINTS names points (comma-separated,
 * e.g. `after-act:promote-db`) at which this process kills itself with SIGKILL — no cleanup, no lease release, exactly
 * like a node dying there. Unset (always, in production) it does nothing. The test suite uses it to crash a controller
 * at every step boundary and between every external call and its journal entry, and checks that a successor finishes
 * the run without repeating a non-idempotent call.
 */
import type { Logger } from "pino";

export const failpointsVariable = "SWITCHYARD_FAILPOINTS";

export function failpoints(spec: string | undefined, log: Logger): ((name: string) => void) | undefined {
  const armed = new Set(
    (spec ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );
  if (armed.size === 0) return undefined;
  log.warn({ failpoints: [...armed] }, "failpoints armed: this process will kill itself when it reaches one");
  return (name) => {
    if (!armed.has(name)) return;
    log.warn({ failpoint: name }, "failpoint reached: SIGKILL");
    process.kill(process.pid, "SIGKILL");
  };
}
