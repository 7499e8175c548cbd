/**
 * Kubernetes Events (core/v1) on Switchyard objects, so `kubectl describe` and event exporters show every decision
 * and step. The same event repeated within the dedup window is counted, not written again.
 */
import type { CoreV1Api } from "@kubernetes/client-node";
import type { EventRecorder, ObjectRef } from "../controllers/ports.js";
import type { Logger } from "./logger.js";

const dedupWindowMs = 5 * 60_000;

export class KubeEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly core: Pick<CoreV1Api, "createNamespacedEvent">,
    private readonly component: string,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  event(object: ObjectRef, type: "Normal" | "Warning", reason: string, message: string): void {
    const key = `${object.namespace}/${object.kind}/${object.name}/${type}/${reason}/${message}`;
    const now = this.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < dedupWindowMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    const time = new Date(now);
    this.core
      .createNamespacedEvent({
        namespace: object.namespace,
        body: {
          metadata: { generateName: `${object.name}.`, namespace: object.namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.name,
            namespace: object.namespace,
            uid: object.uid,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: this.component, host: this.instance },
          reportingComponent: this.component,
          reportingInstance: this.instance,
          firstTimestamp: time,
          lastTimestamp: time,
          count: 1,
        },
      })
      // An event that cannot be written must never fail a reconcile: it is evidence, not state.
      .catch((error: unknown) => this.log.warn({ err: error, reason }, "could not write event"));
  }

  private prune(now: number): void {
    for (const [key, at] of this.recent) if (now - at >= dedupWindowMs) this.recent.delete(key);
  }
}
