/** Every Prometheus metric the controller exports, in one place, on one registry per process. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  // Unprefixed, as every Node.js exporter names them, so stock process and Node.js dashboards match.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    leader: new Gauge({ name: "switchyard_leader", help: "1 while this replica holds the leader lease", registers }),
    queueDepth: new Gauge({
      name: "switchyard_workqueue_depth",
      help: "Keys waiting in the work queue",
      labelNames: ["controller"],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: "switchyard_reconcile_duration_seconds",
      help: "Time one reconcile took",
      labelNames: ["controller"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    reconcileErrors: new Counter({
      name: "switchyard_reconcile_errors_total",
      help: "Reconciles that ended in an error and were retried with backoff",
      labelNames: ["controller"],
      registers,
    }),
    regionHealth: new Gauge({
      name: "switchyard_region_health",
      help: "1 for the region's current health state (Healthy, Unhealthy, Unknown), 0 for the others",
      labelNames: ["namespace", "policy", "region", "state"],
      registers,
    }),
    signalResults: new Counter({
      name: "switchyard_signal_results_total",
      help: "Signal samples taken, by result",
      labelNames: ["namespace", "policy", "region", "signal", "result"],
      registers,
    }),
    decisions: new Counter({
      name: "switchyard_decisions_total",
      help: "Decisions made, by kind (Stay is not counted)",
      labelNames: ["namespace", "policy", "decision"],
      registers,
    }),
    suppressedTransitions: new Counter({
      name: "switchyard_suppressed_transitions_total",
      help: "Transitions that flap dampening or hold-down prevented",
      labelNames: ["namespace", "policy", "reason"],
      registers,
    }),
    drillResults: new Counter({
      name: "switchyard_drill_results_total",
      help: "Drills by result (Succeeded, Failed, Aborted) and due times skipped (result Skipped, with the reason)",
      labelNames: ["namespace", "schedule", "result", "reason"],
      registers,
    }),
    awsRequests: new Counter({
      name: "switchyard_aws_requests_total",
      help: "AWS API calls by service, operation and outcome (ok, throttled, error)",
      labelNames: ["service", "operation", "outcome"],
      registers,
    }),
    awsRequestDuration: new Histogram({
      name: "switchyard_aws_request_duration_seconds",
      help: "How long AWS API calls took, the SDK's retries included",
      labelNames: ["service", "operation"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    replicationLag: new Gauge({
      name: "switchyard_replication_lag_seconds",
      help: "Replication lag to the region's database cluster, as plan readiness last measured it (CloudWatch)",
      labelNames: ["namespace", "policy", "region"],
      registers,
    }),
    fencingReadErrors: new Counter({
      name: "switchyard_fencing_record_read_errors_total",
      help: "Reads of a policy's fencing record that failed (unreadable zone, not a fencing record, Route53 errors)",
      labelNames: ["namespace", "policy"],
      registers,
    }),
    flapPenalty: new Gauge({
      name: "switchyard_flap_penalty",
      help: "Current flap penalty of a region (RFC 2439 style, decayed)",
      labelNames: ["namespace", "policy", "region"],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
