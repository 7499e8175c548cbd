/**
 * What every controller needs from the outside world: Events and the conflict a conditioned write meets. Each
 * controller's own needs are in its folder's ports.ts; the runtime provides the real ones (over the Kubernetes API),
 * and nothing here knows about HTTP or client libraries.
 */
import { apiVersion } from "../crds/definitions.js";

/** The reference an Event names, for one of our objects. */
export function objectRef(
  kind: string,
  object: { metadata: { namespace?: string; name?: string; uid?: string } },
): ObjectRef {
  return {
    apiVersion,
    kind,
    namespace: object.metadata.namespace ?? "default",
    name: object.metadata.name ?? "",
    ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
  };
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export interface EventRecorder {
  event(object: ObjectRef, type: "Normal" | "Warning", reason: string, message: string): void;
}

export class ConflictError extends Error {}
