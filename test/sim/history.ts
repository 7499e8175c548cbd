/**
 * What a simulation leaves behind: the structured facts the properties judge, and a timeline of everything notable
 * for a person to read when one of them fails. Times are milliseconds from the scenario's start.
 */
import type { ControllerReport, RunPhase } from "./logic.js";
import type { Scenario } from "./scenario.js";

export interface TimelineEntry {
  at: number;
  actor: string;
  what: string;
}

/** A change of the fencing record won by a run's compare-and-swap. */
export interface Transition {
  at: number;
  epoch: number;
  from: string;
  to: string;
  run: string;
}

export interface RunRecord {
  name: string;
  cluster: string;
  kind: "Failover" | "Failback";
  from: string;
  to: string;
  createdAt: number;
  phase: RunPhase;
  finishedAt?: number;
  outcome?: string;
  epoch?: number;
  /** A run no controller executes (it was not created by a decision). */
  stray?: boolean;
  /** When the traffic step read the record it then swapped (or was refused on). */
  readAt?: number;
}

export interface Promotion {
  at: number;
  run: string;
  from: string;
  to: string;
  mode: "switchover" | "failover";
  /** The run's epoch, and the record as read just before the call. */
  runEpoch?: number;
  recordEpoch?: number;
  recordActive?: string;
}

export interface RoleChange {
  at: number;
  region: string;
  writable: boolean;
  by: "self-fencing" | "plan";
  /** For a change made by a run's step. */
  run?: string;
}

export interface Liveness {
  /** Controller up/down changes, by region. */
  at: number;
  region: string;
  up: boolean;
}

export interface ReportSample {
  at: number;
  region: string;
  report: ControllerReport;
}

export interface History {
  scenario: Scenario;
  timeline: TimelineEntry[];
  transitions: Transition[];
  runs: RunRecord[];
  promotions: Promotion[];
  roleChanges: RoleChange[];
  /** Where the database writer is, from `at` on (the first entry is the start). */
  writer: { at: number; region: string }[];
  liveness: Liveness[];
  /** Each controller's report, whenever it changes. */
  reports: ReportSample[];
  /** Records that did not parse, or epochs that did not go up by one: the world's own consistency. */
  anomalies: TimelineEntry[];
}
