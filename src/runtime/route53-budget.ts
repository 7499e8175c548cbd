/**
 * This controller's share of the AWS account's Route53 budget, modelled as Route53 meters it since 2026-07-30
 * ("Throttling for Amazon Route 53 API requests"): token buckets for the account's requests (50 burst, 10 a second),
 * one per API action (GetHealthCheckStatus 4 / 1; the others 50 / 10), and the change throughput (individual record
 * changes, an UPSERT counting twice). Every controller of the account draws on the same buckets at AWS, so each takes
 * 1/N of every bucket, N the controllers sharing the account (--route53-controllers, one per region): the sum stays
 * within the account's limits whatever they do at once, without talking to each other (docs/decisions.md says why).
 * A call waits until every bucket it draws on can pay, in order per action, so a burst of health-check probes never
 * holds a failover's change batch back; a failover's few calls use the burst.
 */
import type { Route53Cost } from "../actuators/route53/change-batch.js";
import { drawAll, fullLevel, shareOf, type Bucket, type Level } from "../core/token-bucket.js";
import { sleep, systemTimers, type Timers } from "./kube/timers.js";

export interface Route53Limits {
  /** every request of the account */
  account: Bucket;
  /** per action; an action not listed has `defaultAction` */
  actions: Record<string, Bucket>;
  defaultAction: Bucket;
  /** individual record changes per second, across the actions that change DNS data */
  changes: Bucket;
  /** how many controllers share the account: each gets 1/N of every bucket */
  controllers: number;
}

/**
 * An account's defaults: requests and actions as the Developer Guide's table lists them. The guide's copy we could
 * read ends before the change-throughput numbers; 1,000 changes of burst and 100 a second are our assumption (the
 * emulator's too), to be set with --route53-change-burst / --route53-changes-per-second where AWS says otherwise.
 */
export const route53AccountDefaults: Omit<Route53Limits, "controllers"> = {
  account: { capacity: 50, refillPerSecond: 10 },
  actions: {
    GetHealthCheckStatus: { capacity: 4, refillPerSecond: 1 },
    GetHealthCheckLastFailureReason: { capacity: 4, refillPerSecond: 1 },
  },
  defaultAction: { capacity: 50, refillPerSecond: 10 },
  changes: { capacity: 1000, refillPerSecond: 100 },
};

export type Route53Budget = (cost: Route53Cost) => Promise<void>;

export function route53Budget(limits: Route53Limits, timers: Timers = systemTimers): Route53Budget {
  const mine = (b: Bucket) => shareOf(b, limits.controllers);
  const account = mine(limits.account);
  const changes = mine(limits.changes);
  const levels = new Map<string, Level>();
  const level = (key: string, bucket: Bucket) => levels.get(key) ?? fullLevel(bucket, timers.now());
  /** One queue per action: calls of one action are served in order, and never wait behind another action's. */
  const queues = new Map<string, Promise<void>>();

  return (cost) => {
    const action = mine(limits.actions[cost.action] ?? limits.defaultAction);
    const turn = (queues.get(cost.action) ?? Promise.resolve()).then(async () => {
      for (;;) {
        const draws = [
          { key: "account", bucket: account, cost: 1 },
          { key: `action/${cost.action}`, bucket: action, cost: 1 },
          ...(cost.changes ? [{ key: "changes", bucket: changes, cost: cost.changes }] : []),
        ];
        const drawn = drawAll(
          draws.map((d) => ({ bucket: d.bucket, level: level(d.key, d.bucket), cost: d.cost })),
          timers.now(),
        );
        if ("levels" in drawn) {
          draws.forEach((d, i) => levels.set(d.key, drawn.levels[i]!));
          return;
        }
        await sleep(timers, drawn.wait);
      }
    });
    queues.set(
      cost.action,
      turn.catch(() => undefined),
    );
    return turn;
  };
}

/** The limits the controller's flags describe (config.ts), the account's defaults for the rest. */
export function route53LimitsOf(config: {
  route53Controllers: number;
  route53RequestsPerSecond: number;
  route53RequestBurst: number;
  route53ChangesPerSecond: number;
  route53ChangeBurst: number;
  route53HealthCheckStatusPerSecond: number;
  route53HealthCheckStatusBurst: number;
}): Route53Limits {
  const healthCheck = {
    capacity: config.route53HealthCheckStatusBurst,
    refillPerSecond: config.route53HealthCheckStatusPerSecond,
  };
  return {
    ...route53AccountDefaults,
    account: { capacity: config.route53RequestBurst, refillPerSecond: config.route53RequestsPerSecond },
    actions: { ...route53AccountDefaults.actions, GetHealthCheckStatus: healthCheck },
    changes: { capacity: config.route53ChangeBurst, refillPerSecond: config.route53ChangesPerSecond },
    controllers: config.route53Controllers,
  };
}
