/**
 * Test support for the plan engine (imported by the *.test.ts files beside it only): step builders in the
 * cert-manager gen.* style, and a simulated shell that drives nextAction through scripted outcomes and crashes the
 * way the real shell would meet them.
 */
import { nextAction, type Action, type EngineInput } from "./engine.js";
import { applyOutcome, entryFor, stateOf, type JournalEntry } from "./journal.js";
import { StepReason } from "./reasons.js";
import { intentOf, stepDefaults, type BoundPlan, type BoundStep, type StepKind } from "./steps.js";

export const FROM = "us-east-1";
export const TO = "eu-west-1";
export const OTHER = "ap-south-1";
export const REGIONS = [FROM, TO, OTHER];
/** A whole second, so that journal times (second precision) round-trip exactly. */
export const T0 = Date.UTC(2025, 0, 1, 12);
export const SEC = 1000;

type Common = Pick<BoundStep, "bestEffort" | "timeoutSeconds" | "retries" | "onRollback">;

const common = (): Common => ({
  bestEffort: stepDefaults.bestEffort,
  timeoutSeconds: stepDefaults.timeoutSeconds,
  retries: { ...stepDefaults.retries },
  onRollback: stepDefaults.onRollback,
});

/** A bound step of `kind` acting in `region` (where the kind has one), with the CRD's defaults. */
export function step(kind: StepKind, name: string = kind, mods: Partial<Common> = {}, region: string = TO): BoundStep {
  const c = { name, ...common(), ...mods };
  switch (kind) {
    case "flag":
      return { ...c, kind, flag: { region, configMapRef: { name: "app-flags" }, key: "read_only", value: "true" } };
    case "route53":
      return {
        ...c,
        kind,
        route53: {
          hostedZoneId: "Z1",
          recordName: "api.example.com",
          type: "CNAME",
          setIdentifiers: { [FROM]: "use1", [TO]: "euw1" },
          weights: { [TO]: 100, [FROM]: 0 },
        },
      };
    case "auroraGlobal":
      return {
        ...c,
        kind,
        auroraGlobal: {
          globalClusterIdentifier: "checkout",
          members: { [FROM]: "arn:aws:rds:us-east-1:1:cluster:a", [TO]: "arn:aws:rds:eu-west-1:1:cluster:b" },
          mode: "SwitchoverOnly",
          dataLossGate: "Enforce",
          target: TO,
          source: FROM,
        },
      };
    case "rdsPromoteReplica":
      return { ...c, kind, rdsPromoteReplica: { region, dbInstanceIdentifier: "replica" } };
    case "scale":
      return { ...c, kind, scale: { region, deploymentRef: { name: "api" }, replicas: 3 } };
    case "job":
      return { ...c, kind, job: { region, template: {} } };
    case "webhook":
      return { ...c, kind, webhook: { url: "https://hooks.example.com/x", body: "" } };
    case "waitFor":
      return { ...c, kind, waitFor: { signal: "api-http", region, healthy: true } };
    case "approval":
      return { ...c, kind, approval: { message: `Move to ${TO}?` } };
  }
}

export const halt: Pick<BoundPlan, "onFailure" | "timeoutSeconds"> = { onFailure: "Halt", timeoutSeconds: 1800 };
export const rollback: Pick<BoundPlan, "onFailure" | "timeoutSeconds"> = {
  onFailure: "Rollback",
  timeoutSeconds: 1800,
};

/** An engine input at T0 with an empty journal; override what the case is about. */
export function input(steps: BoundStep[], mods: Partial<EngineInput> = {}): EngineInput {
  return { run: {}, plan: halt, steps, journal: [], now: T0, ...mods };
}

/** Replays outcomes onto an empty journal at T0 (one second apart), for table tests. */
export function journalOf(...events: [BoundStep, Parameters<typeof applyOutcome>[2]][]): JournalEntry[] {
  let journal: JournalEntry[] = [];
  events.forEach(([s, outcome], i) => {
    journal = applyOutcome(journal, s, outcome, T0 + i * SEC);
  });
  return journal;
}

export const started = (s: BoundStep): Parameters<typeof applyOutcome>[2] => ({
  type: "Started",
  intent: intentOf(s),
  before: { value: `before-${s.name}` },
});

// ── The simulated shell ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * What the world does with the next action that consults it. ok/fail/inProgress are actuator results; refuse is a
 * guard refusal; the crashes stop the shell at each point of the journal-before-and-after protocol:
 * crashBeforeStart before Started is persisted, crashAfterStart after it (the call never made), crashAfterCall after
 * the call (its result never journaled). For an approval wait, ok means a person approves now.
 */
export type Outcome =
  "ok" | "fail" | "refuse" | "inProgress" | "crashBeforeStart" | "crashAfterStart" | "crashAfterCall";

export interface Scripted {
  outcome: Outcome;
  /** Seconds that pass while the action runs (or while the controller is down, after a crash). */
  seconds: number;
}

export interface SimulationOptions {
  steps: BoundStep[];
  plan: Pick<BoundPlan, "onFailure" | "timeoutSeconds">;
  script: readonly Scripted[];
  dryRun?: boolean;
  /** Steps already approved in the run's spec. */
  approved?: readonly string[];
  /** Regions that cannot be reached. */
  unreachable?: readonly string[];
  /** Before which action (0-based) spec.cancel becomes true. */
  cancelAt?: number;
  /** Resume from a persisted journal (a crash point) instead of an empty one. */
  journal?: JournalEntry[];
  now?: number;
  runStartedAt?: number;
  maxActions?: number;
}

export interface TraceEntry {
  action: Action;
  /** The persisted journal the action was computed from. */
  journal: JournalEntry[];
  now: number;
  cancel: boolean;
}

export interface Simulation {
  trace: TraceEntry[];
  /** Every journal the shell persisted, in order: the crash points a restart can find. */
  persisted: { journal: JournalEntry[]; now: number; runStartedAt?: number }[];
  /** External calls made, by step name, in order (a crash after the call still counts: the world changed). */
  calls: string[];
  finish?: Extract<Action, { type: "finish" }>;
  journal: JournalEntry[];
}

export function simulate(options: SimulationOptions): Simulation {
  let journal = options.journal ?? [];
  let now = options.now ?? T0;
  let runStartedAt = options.runStartedAt;
  let cancel = false;
  const approvals = (options.approved ?? []).map((s) => ({ step: s, approvedBy: "sim" }));
  const unreachable = new Set(options.unreachable ?? []);
  const script = [...options.script];
  const sim: Simulation = { trace: [], persisted: [], calls: [], journal };
  const next = (): Scripted => script.shift() ?? { outcome: "ok", seconds: 1 };
  const persist = (j: JournalEntry[]): void => {
    journal = j;
    sim.persisted.push({ journal: j, now, ...(runStartedAt === undefined ? {} : { runStartedAt }) });
  };
  const apply = (s: BoundStep, outcome: Parameters<typeof applyOutcome>[2]): void =>
    persist(applyOutcome(journal, s, outcome, now));

  for (let i = 0; i < (options.maxActions ?? 10_000); i++) {
    if (options.cancelAt === i) cancel = true;
    const engineInput: EngineInput = {
      run: { dryRun: options.dryRun ?? false, cancel, approvals: [...approvals] },
      plan: options.plan,
      steps: options.steps,
      journal,
      now,
      regionReachable: (r) => !unreachable.has(r),
    };
    if (runStartedAt !== undefined) engineInput.runStartedAt = runStartedAt;
    const action = nextAction(engineInput);
    sim.trace.push({ action, journal, now, cancel });

    switch (action.type) {
      case "finish":
        sim.finish = action;
        sim.journal = journal;
        return sim;
      case "execute": {
        const { outcome, seconds } = next();
        if (outcome === "crashBeforeStart") {
          now += seconds * SEC;
          break;
        }
        if (outcome === "refuse") {
          apply(action.step, { type: "Refused", reason: "NeverZeroWeights", message: "refused" });
          now += seconds * SEC;
          break;
        }
        apply(action.step, started(action.step));
        runStartedAt ??= now;
        if (outcome === "crashAfterStart") {
          now += seconds * SEC;
          break;
        }
        sim.calls.push(action.step.name);
        now += seconds * SEC;
        if (outcome === "crashAfterCall") break;
        if (outcome === "ok") {
          apply(
            action.step,
            action.dryRun ? { type: "Skipped", reason: "DryRun", message: "would act" } : { type: "Succeeded" },
          );
        } else if (outcome === "fail") apply(action.step, { type: "Failed", message: "boom" });
        else apply(action.step, { type: "InProgress" });
        break;
      }
      case "resume": {
        const { outcome, seconds } = next();
        now += seconds * SEC;
        if (outcome === "ok") {
          apply(
            action.step,
            action.dryRun ? { type: "Skipped", reason: "DryRun", message: "would act" } : { type: "Succeeded" },
          );
        } else if (outcome === "fail") apply(action.step, { type: "Failed", message: "boom" });
        else if (outcome === "refuse")
          apply(action.step, { type: "Refused", reason: "FencingEpochSuperseded", message: "lost" });
        else if (outcome === "inProgress") apply(action.step, { type: "InProgress" });
        break;
      }
      case "wait": {
        if (action.reason === StepReason.ApprovalPending) {
          if (stateOf(entryFor(journal, action.step.name)) !== "WaitingApproval") {
            apply(action.step, { type: "WaitingApproval" });
          }
          const { outcome } = next();
          if (outcome === "ok") {
            approvals.push({ step: action.step.name, approvedBy: "sim" });
            now += SEC;
            break;
          }
        }
        now = Math.max(now + SEC, action.until);
        break;
      }
      case "skip":
        apply(action.step, { type: "Skipped", reason: action.reason, message: action.message });
        break;
      case "fail":
        apply(action.step, { type: "Failed", reason: action.reason, message: action.message });
        break;
      case "rollback": {
        const { outcome, seconds } = next();
        now += seconds * SEC;
        if (outcome === "ok") apply(action.step, { type: "RolledBack", observed: { restored: action.before } });
        else if (outcome === "fail" || outcome === "refuse")
          apply(action.step, { type: "RollbackFailed", message: "boom" });
        // Any crash: nothing journaled, the restore is asked for again.
        break;
      }
    }
  }
  sim.journal = journal;
  return sim;
}
