/**
 * A plan step's Job in a region's cluster: created once per run, step and attempt under a deterministic name, then
 * judged by its conditions as the job controller writes them. Idempotent by observation: a Job that already exists
 * under the name (created before a crash) is the attempt's Job, and is never created twice. The Job is ownerless —
 * it may live in a peer cluster, where the FailoverRun does not exist — so it carries labels and annotations naming
 * its run and step instead of an ownerReference.
 */
import { kubeErrorMessage, kubeStatusOf } from "../../core/kube-errors.js";
import { createHash } from "node:crypto";
import type { BatchV1Api, V1Job, V1JobSpec } from "@kubernetes/client-node";

export type JobApi = Pick<BatchV1Api, "createNamespacedJob" | "readNamespacedJob">;

export const jobRunLabel = "switchyard.dev/failover-run";
export const jobStepLabel = "switchyard.dev/step";
export const jobAttemptLabel = "switchyard.dev/attempt";
/** The run's full name and uid: labels hold at most 63 characters, and a run name may be longer. */
export const jobRunAnnotation = "switchyard.dev/failover-run";
export const jobRunUidAnnotation = "switchyard.dev/failover-run-uid";
const fieldManager = "switchyard-controller";

export interface JobOrigin {
  runName: string;
  /** the run's uid: a run deleted and created again under the same name must not find the old run's Job */
  runUid?: string;
  step: string;
  attempt: number;
}

const hashOf = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);

/**
 * `<run>-<step>-<attempt>-<hash>`, at most 63 characters (the job controller copies the name into a label of its
 * Pods). The hash covers the run's identity, the step and the attempt, so a shortened or sanitised readable part
 * cannot make two Jobs share a name.
 */
export function jobName(origin: JobOrigin): string {
  const suffix = `-${origin.attempt}-${hashOf(`${origin.runUid ?? origin.runName}/${origin.step}/${origin.attempt}`)}`;
  const readable = `${origin.runName}-${origin.step}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, 63 - suffix.length)
    .replace(/^-+|-+$/g, "");
  return `${readable || "switchyard"}${suffix}`;
}

/** A label value for the run's name: as is when it fits, otherwise shortened with a hash of the whole name. */
export function runLabelValue(runName: string): string {
  if (runName.length <= 63 && /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/.test(runName)) return runName;
  const hash = hashOf(runName);
  return `${runName.slice(0, 63 - hash.length - 1).replace(/[^a-zA-Z0-9]+$/, "")}-${hash}`;
}

export function buildJob(origin: JobOrigin, namespace: string, template: Record<string, unknown>): V1Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: jobName(origin),
      namespace,
      labels: {
        "app.kubernetes.io/managed-by": "switchyard",
        [jobRunLabel]: runLabelValue(origin.runName),
        [jobStepLabel]: origin.step,
        [jobAttemptLabel]: String(origin.attempt),
      },
      annotations: {
        [jobRunAnnotation]: origin.runName,
        ...(origin.runUid ? { [jobRunUidAnnotation]: origin.runUid } : {}),
      },
    },
    // The CRD keeps the template as an opaque JobSpec; the region's API server validates it (validateJob), which
    // is a better judge than any shape check here.
    spec: template as unknown as V1JobSpec,
  };
}

export type JobVerdict =
  { type: "Succeeded"; message: string } | { type: "Failed"; message: string } | { type: "Running"; message: string };

/** The Job's outcome as its controller reports it (pure): only the terminal conditions Complete and Failed count. */
export function jobVerdict(job: V1Job): JobVerdict {
  const name = `Job ${job.metadata?.namespace ?? ""}/${job.metadata?.name ?? ""}`;
  const condition = (type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === "True");
  const complete = condition("Complete");
  if (complete) return { type: "Succeeded", message: `${name} completed` };
  const failed = condition("Failed");
  if (failed) {
    const why = [failed.reason, failed.message].filter(Boolean).join(": ");
    return { type: "Failed", message: `${name} failed${why ? `: ${why}` : ""}` };
  }
  const s = job.status;
  return {
    type: "Running",
    message: `${name} is running (active ${s?.active ?? 0}, succeeded ${s?.succeeded ?? 0}, failed ${s?.failed ?? 0})`,
  };
}

/** True when the Job found under the name was made for this run and step (the name's hash makes anything else rare). */
export function isJobOf(job: V1Job, origin: JobOrigin): boolean {
  const labels = job.metadata?.labels ?? {};
  return labels[jobRunLabel] === runLabelValue(origin.runName) && labels[jobStepLabel] === origin.step;
}

/**
 * A server-side dry run of the create (nothing is stored): the region's API server checks the template with its
 * own validation and admission. Returns whether the Job already exists.
 */
export async function validateJob(api: JobApi, job: V1Job): Promise<{ exists: boolean }> {
  const namespace = job.metadata?.namespace ?? "";
  try {
    await api.createNamespacedJob({ namespace, body: job, dryRun: "All", fieldManager });
    return { exists: false };
  } catch (error) {
    if (kubeStatusOf(error) === 409) return { exists: true };
    throw new Error(`the Job template is not valid in ${namespace}: ${kubeErrorMessage(error)}`);
  }
}

/** The attempt's Job as it is now: read it, creating it first when it does not exist yet. */
export async function ensureJob(api: JobApi, job: V1Job): Promise<{ job: V1Job; created: boolean }> {
  const name = job.metadata?.name ?? "";
  const namespace = job.metadata?.namespace ?? "";
  try {
    return { job: await api.readNamespacedJob({ name, namespace }), created: false };
  } catch (error) {
    if (kubeStatusOf(error) !== 404) throw error;
  }
  try {
    return { job: await api.createNamespacedJob({ namespace, body: job, fieldManager }), created: true };
  } catch (error) {
    // Created meanwhile (another attempt at this same call): the Job exists, which is all that was asked.
    if (kubeStatusOf(error) === 409) return { job: await api.readNamespacedJob({ name, namespace }), created: false };
    throw new Error(`creating Job ${namespace}/${name}: ${kubeErrorMessage(error)}`);
  }
}
