/**
 * The simulated world: one controller per region, a virtual clock, the fencing record with Route53's
 * compare-and-swap, the database writer, each cluster's role state, runs that take time, crashes and restarts. Every
 * decision is the logic's; the world only delivers what a controller would see and applies what it asks for. Runs
 * are deterministic: the same scenario gives the same history.
 */
import { EventQueue } from "./event-queue.js";
import type { History, RunRecord, TimelineEntry } from "./history.js";
import type { AnyLogic, ControllerReport, PeerRead, ReconcileOutput, RunView, SimSample } from "./logic.js";
import { planSteps, type StepName } from "./plan.js";
import { controllerOf, ROUTE53, type Scenario } from "./scenario.js";
import { buildViews, isUp, lineOf, type ViewLine } from "./views.js";

/** The scenario's start as wall-clock time: the logic sees epoch milliseconds, as the real shell does. */
export const EPOCH_BASE = Date.UTC(2026, 0, 5, 12, 0, 0);

/** How long a dead controller's leader Lease still looks renewed: the tests' lease (3 s) and the margin (1 s). */
const leaseMs = 4000;

interface SimRun extends RunRecord {
  steps: StepName[];
  step: number;
  dueAt: number;
  token: number;
  casPending: boolean;
  promotion?: { done: boolean };
}

interface Controller {
  region: string;
  up: boolean;
  /** Bumped on every crash, so reconciles scheduled by a dead process are dropped. */
  generation: number;
  downBy?: number;
  /** When the process last died: its Lease stays fresh for a lease duration after. */
  downAt?: number;
  stored: unknown;
  cache?: { value: string | undefined; at: number };
  peers: Map<string, PeerRead<unknown>>;
  lastReport?: ControllerReport;
  lastDecision?: string;
  /** Its own view of every region, for its http probes and its peer reads. */
  sees: Map<string, ViewLine>;
}

type Event =
  | { type: "reconcile"; region: string; generation: number }
  | { type: "crash"; region: string; id: number }
  | { type: "restart"; region: string; id: number }
  | { type: "advance"; run: SimRun; token: number }
  | { type: "cas"; run: SimRun; read: string | undefined; next: string }
  | { type: "bookkeeping"; run: SimRun; read: string | undefined; next: string }
  | { type: "promoted"; run: SimRun }
  | { type: "stray" };

export function simulate(logic: AnyLogic, scenario: Scenario): History {
  const { policy, timing } = scenario;
  const intervalMs = policy.intervalSeconds * 1000;
  const views = buildViews(scenario);
  const regions = policy.regions.map((r) => r.name);
  const primary = policy.regions.find((r) => r.role === "primary")?.name ?? regions[0] ?? "";
  const route53Lines = new Map(regions.map((r) => [r, lineOf(views, ROUTE53, r)]));
  const queue = new EventQueue<Event>();
  const abs = (t: number) => EPOCH_BASE + t;

  const history: History = {
    scenario,
    timeline: [],
    transitions: [],
    runs: [],
    promotions: [],
    roleChanges: [],
    writer: [{ at: 0, region: primary }],
    liveness: regions.map((region) => ({ at: 0, region, up: true })),
    reports: [],
    anomalies: [],
  };
  const log = (at: number, actor: string, what: string) => history.timeline.push({ at, actor, what });
  const anomaly = (entry: TimelineEntry) => {
    history.anomalies.push(entry);
    log(entry.at, entry.actor, `ANOMALY ${entry.what}`);
  };

  let record: string | undefined = logic.initialRecord(primary);
  const writable = new Map(regions.map((r) => [r, r === primary]));
  const runs: SimRun[] = [];
  let runSeq = 0;

  const controllers = new Map<string, Controller>(
    regions.map((region) => [
      region,
      {
        region,
        up: true,
        generation: 0,
        stored: undefined,
        peers: new Map(),
        sees: new Map(regions.map((r) => [r, lineOf(views, controllerOf(region), r)])),
      },
    ]),
  );
  const controller = (region: string): Controller => {
    const c = controllers.get(region);
    if (!c) throw new Error(`no controller for ${region}`);
    return c;
  };

  const setWritable = (at: number, region: string, value: boolean, by: "self-fencing" | "plan", run?: string) => {
    if (writable.get(region) === value) return;
    writable.set(region, value);
    history.roleChanges.push({ at, region, writable: value, by, ...(run ? { run } : {}) });
    log(
      at,
      by === "plan" ? `run/${run}` : controllerOf(region),
      `${region} ${value ? "WRITABLE" : "read-only"} (${by})`,
    );
  };

  const viewOf = (run: SimRun): RunView => ({
    name: run.name,
    cluster: run.cluster,
    from: run.from,
    to: run.to,
    kind: run.kind,
    phase: run.phase,
    createdAt: abs(run.createdAt),
    ...(run.epoch !== undefined ? { epoch: run.epoch } : {}),
  });

  const schedule = (run: SimRun, at: number) => queue.push(at, { type: "advance", run, token: ++run.token });

  const finish = (run: SimRun, at: number, phase: "Succeeded" | "Failed", outcome: string) => {
    run.phase = phase;
    run.finishedAt = at;
    run.outcome = outcome;
    log(at, `run/${run.name}`, `${phase}: ${outcome}`);
    // The run's end, written into the record by its own controller (a compare-and-swap like any other).
    if (run.stray || !logic.runFinished) return;
    const next = logic.runFinished({
      policy,
      run: viewOf(run),
      record,
      stored: controller(run.cluster).stored,
      now: abs(at),
    });
    if (next !== undefined) queue.push(at + timing.casLatencyMs, { type: "bookkeeping", run, read: record, next });
  };

  const applyBookkeeping = (run: SimRun, read: string | undefined, next: string, at: number) => {
    if (record !== read) return log(at, "route53", `end of run ${run.name} not recorded: the record moved on`);
    const before = record === undefined ? undefined : logic.parseRecord(record);
    const after = logic.parseRecord(next);
    record = next;
    if (!after || after.epoch !== before?.epoch || after.active !== before.active) {
      return anomaly({ at, actor: `run/${run.name}`, what: `its end rewrote the record to ${next}` });
    }
    log(at, "route53", `fencing record: run ${run.name}'s move is over (epoch ${after.epoch})`);
  };

  const nextStep = (run: SimRun, at: number, delay: number) => {
    run.step++;
    run.dueAt = at + delay;
    schedule(run, run.dueAt);
  };

  const createRun = (
    cluster: string,
    move: { kind: "Failover" | "Failback"; from: string; to: string },
    at: number,
  ) => {
    const run: SimRun = {
      name: `${move.kind.toLowerCase()}-${move.to}-${++runSeq}`,
      cluster,
      ...move,
      createdAt: at,
      phase: "Running",
      steps: planSteps(timing.approvalMs),
      step: 0,
      dueAt: at,
      token: 0,
      casPending: false,
    };
    runs.push(run);
    history.runs.push(run);
    log(at, controllerOf(cluster), `creates run ${run.name} (${move.kind} ${move.from}→${move.to})`);
    // The FailoverRun controller of a cluster executes the runs whose target is its own region.
    if (run.to === cluster) schedule(run, at);
  };

  const advance = (run: SimRun, at: number) => {
    if (run.phase !== "Running") return;
    const exec = controller(run.cluster);
    if (!exec.up) return; // resumed by the restart
    if (at < run.dueAt) return schedule(run, run.dueAt);
    const actor = `run/${run.name}`;
    const input = () => ({ policy, run: viewOf(run), record, stored: exec.stored, now: abs(at) });
    const step = run.steps[run.step];
    // The steps after the swap act only while the record holds the run's epoch (the logic's guard, if it has one).
    if ((step === "promote" && !run.promotion) || step === "wait" || step === "approval" || step === "unfreeze") {
      const refusal = logic.stepGuard?.(input(), step);
      if (refusal !== undefined) return finish(run, at, "Failed", `${step} step refused: ${refusal}`);
    }
    switch (step) {
      case "freeze":
        // Best effort through the peer kubeconfig: only when the source's cluster can be reached.
        if (exec.sees.get(run.from) && isUp(exec.sees.get(run.from) ?? { flips: [] }, at)) {
          setWritable(at, run.from, false, "plan", run.name);
        } else log(at, actor, `freeze of ${run.from} skipped: its cluster is unreachable`);
        return nextStep(run, at, timing.freezeMs);
      case "traffic": {
        if (run.casPending) return;
        const outcome = logic.traffic(input());
        if (outcome.type === "refuse") return finish(run, at, "Failed", `traffic step refused: ${outcome.reason}`);
        if (outcome.type === "alreadyWon") {
          const fields = record === undefined ? undefined : logic.parseRecord(record);
          if (fields?.epoch !== undefined) run.epoch = fields.epoch;
          return nextStep(run, at, 0);
        }
        run.casPending = true;
        run.readAt = at;
        queue.push(at + timing.casLatencyMs, { type: "cas", run, read: record, next: outcome.next });
        return;
      }
      case "promote": {
        if (run.promotion) return run.promotion.done ? nextStep(run, at, 0) : undefined;
        const outcome = logic.promotion(input());
        if (outcome.type === "refuse") return finish(run, at, "Failed", `promotion refused: ${outcome.reason}`);
        const fields = record === undefined ? undefined : logic.parseRecord(record);
        history.promotions.push({
          at,
          run: run.name,
          from: run.from,
          to: run.to,
          mode: outcome.mode,
          ...(run.epoch !== undefined ? { runEpoch: run.epoch } : {}),
          ...(fields ? { recordEpoch: fields.epoch, recordActive: fields.active } : {}),
        });
        log(
          at,
          actor,
          outcome.mode === "failover"
            ? `FailoverGlobalCluster (DATA-LOSING) to ${run.to}`
            : `SwitchoverGlobalCluster to ${run.to}`,
        );
        run.promotion = { done: false };
        queue.push(at + timing.promotionMs, { type: "promoted", run });
        return;
      }
      case "wait":
        log(at, actor, `waits ${timing.waitMs / 1000}s for ${run.to} to serve`);
        return nextStep(run, at, timing.waitMs);
      case "approval":
        log(at, actor, `waits ${timing.approvalMs / 1000}s for approval`);
        return nextStep(run, at, timing.approvalMs);
      case "unfreeze":
        setWritable(at, run.to, true, "plan", run.name);
        return finish(run, at, "Succeeded", `${run.from}→${run.to} at epoch ${run.epoch ?? "?"}`);
      default:
        return finish(run, at, "Failed", "no such step");
    }
  };

  const applyCas = (run: SimRun, read: string | undefined, next: string, at: number) => {
    run.casPending = false;
    // Route53 applies the batch whether or not its sender is still alive.
    if (record !== read) {
      if (run.phase === "Running")
        finish(run, at, "Failed", "compare-and-swap lost: the record changed since it was read");
      return;
    }
    const before = record === undefined ? undefined : logic.parseRecord(record);
    const after = logic.parseRecord(next);
    record = next;
    if (!after) {
      anomaly({ at, actor: `run/${run.name}`, what: `wrote a record that does not parse: ${next}` });
      return;
    }
    if (after.epoch !== (before?.epoch ?? 0) + 1 || after.active !== run.to) {
      anomaly({
        at,
        actor: `run/${run.name}`,
        what: `swapped epoch ${before?.epoch} → ${after.epoch} naming ${after.active}`,
      });
    }
    run.epoch = after.epoch;
    history.transitions.push({
      at,
      epoch: after.epoch,
      from: before?.active ?? run.from,
      to: after.active,
      run: run.name,
    });
    log(at, "route53", `fencing record → ${after.active} at epoch ${after.epoch} (run ${run.name})`);
    if (run.phase === "Running") nextStep(run, at, 0);
  };

  const noLine: ViewLine = { flips: [] };
  const noRuns: RunView[] = [];
  const reconcile = (c: Controller, at: number) => {
    const samples: SimSample[] = [];
    for (const r of regions) {
      samples.push({ signal: "http", region: r, ok: isUp(c.sees.get(r) ?? noLine, at), at: abs(at) });
      if (policy.route53Signals) {
        samples.push({ signal: "route53", region: r, ok: isUp(route53Lines.get(r) ?? noLine, at), at: abs(at) });
      }
    }
    if (!c.cache || at - c.cache.at >= timing.cacheMs) c.cache = { value: record, at };
    for (const r of regions) {
      if (r === c.region) continue;
      // A peer this controller cannot reach is absent (ReconcileInput.peers): its last read is not kept.
      if (!isUp(c.sees.get(r) ?? noLine, at)) {
        c.peers.delete(r);
        continue;
      }
      const seen = c.peers.get(r);
      const peer = controller(r);
      const alive = peer.up || at - (peer.downAt ?? -Infinity) <= leaseMs;
      if (!seen || abs(at) - seen.readAt >= timing.peerLagMs) {
        c.peers.set(r, { region: r, stored: peer.stored, readAt: abs(at), alive });
      } else if (seen.alive !== alive) {
        c.peers.set(r, { ...seen, alive });
      }
    }
    const out = logic.reconcile({
      policy,
      localRegion: c.region,
      now: abs(at),
      stored: c.stored,
      samples,
      record: c.cache.value,
      freshRecord: record,
      runs: runs.length === 0 ? noRuns : runs.filter((run) => run.cluster === c.region).map(viewOf),
      peers: [...c.peers.values()],
    }) as ReconcileOutput<unknown>;
    c.stored = out.stored;
    if (out.role) setWritable(at, c.region, out.role === "active", "self-fencing");
    for (const name of out.notExecutable ?? []) {
      const run = runs.find((r) => r.name === name && r.cluster === c.region && r.phase === "Running");
      if (run) finish(run, at, "Failed", "NotExecutable");
    }
    if (out.startRun) createRun(c.region, out.startRun, at);
    if (!sameReport(c.lastReport, out.report)) {
      c.lastReport = out.report;
      history.reports.push({ at, region: c.region, report: out.report });
      if (out.report.decision !== c.lastDecision) {
        c.lastDecision = out.report.decision;
        const health = Object.entries(out.report.health)
          .map(([r, h]) => `${r}:${h}`)
          .join(" ");
        log(
          at,
          controllerOf(c.region),
          `decides ${out.report.decision} [${health}]${out.report.suppressed ? " FlapSuppressed" : ""}`,
        );
      }
    }
    queue.push(at + intervalMs, { type: "reconcile", region: c.region, generation: c.generation });
  };

  for (const r of regions) {
    queue.push(timing.phaseMs[r] ?? 0, { type: "reconcile", region: r, generation: 0 });
  }
  scenario.crashes.forEach((crash, id) => {
    queue.push(crash.at, { type: "crash", region: crash.region, id });
    queue.push(crash.at + crash.downMs, { type: "restart", region: crash.region, id });
  });
  if (scenario.stray) queue.push(scenario.stray.at, { type: "stray" });
  logViewChanges(scenario, views, log);

  for (let next = queue.pop(); next && next.at <= scenario.durationMs; next = queue.pop()) {
    const { at, event } = next;
    switch (event.type) {
      case "reconcile": {
        const c = controller(event.region);
        if (c.up && c.generation === event.generation) reconcile(c, at);
        break;
      }
      case "crash": {
        const c = controller(event.region);
        if (!c.up) break;
        c.up = false;
        c.downBy = event.id;
        c.downAt = at;
        c.generation++;
        delete c.cache;
        c.peers.clear();
        history.liveness.push({ at, region: c.region, up: false });
        log(at, controllerOf(c.region), "CRASHES");
        break;
      }
      case "restart": {
        const c = controller(event.region);
        if (c.up || c.downBy !== event.id) break;
        c.up = true;
        c.stored = logic.restart(c.stored, policy, abs(at));
        delete c.lastDecision;
        history.liveness.push({ at, region: c.region, up: true });
        log(at, controllerOf(c.region), "restarts (state re-read from its status)");
        queue.push(at + (timing.phaseMs[c.region] ?? 0), {
          type: "reconcile",
          region: c.region,
          generation: c.generation,
        });
        for (const run of runs) if (run.cluster === c.region && run.to === c.region) schedule(run, at);
        break;
      }
      case "advance":
        if (event.token === event.run.token) advance(event.run, at);
        break;
      case "cas":
        applyCas(event.run, event.read, event.next, at);
        break;
      case "bookkeeping":
        applyBookkeeping(event.run, event.read, event.next, at);
        break;
      case "promoted":
        if (event.run.promotion) event.run.promotion.done = true;
        history.writer.push({ at, region: event.run.to });
        log(at, "aurora", `writer is now ${event.run.to}`);
        schedule(event.run, at);
        break;
      case "stray":
        if (scenario.stray) createStray(scenario.stray, at);
        break;
    }
  }
  history.timeline.sort((a, b) => a.at - b.at);
  return history;

  function createStray(stray: NonNullable<Scenario["stray"]>, at: number) {
    const run: SimRun = {
      name: `stray-${stray.to}`,
      cluster: stray.cluster,
      stray: true,
      kind: "Failover",
      from: stray.from,
      to: stray.to,
      createdAt: at,
      phase: "Running",
      steps: [],
      step: 0,
      dueAt: at,
      token: 0,
      casPending: false,
    };
    runs.push(run);
    history.runs.push(run);
    log(at, `cluster/${stray.cluster}`, `a stray run ${run.name} (${stray.from}→${stray.to}) appears`);
  }
}

function sameReport(a: ControllerReport | undefined, b: ControllerReport): boolean {
  if (!a || a.decision !== b.decision || a.suppressed !== b.suppressed || a.configError !== b.configError) return false;
  for (const region in b.health) if (a.health[region] !== b.health[region]) return false;
  return true;
}

/** The views' changes, for the timeline: what each observer started or stopped seeing. */
function logViewChanges(
  scenario: Scenario,
  views: ReturnType<typeof buildViews>,
  log: (at: number, actor: string, what: string) => void,
) {
  for (const [observer, byRegion] of views.lines) {
    for (const [region, line] of byRegion) {
      line.flips.forEach((at, i) => {
        if (at < scenario.durationMs) log(at, observer, `sees ${region} ${i % 2 === 0 ? "DOWN" : "up"}`);
      });
    }
  }
}
