import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualTimers } from "./timers.js";
import { WorkQueue } from "./work-queue.js";

/** Lets promise callbacks (get() resolutions) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function queueWithManualTime(options: { burst?: number } = {}) {
  const timers = new ManualTimers(1_000_000);
  return { timers, queue: new WorkQueue<string>({ timers, ...options }) };
}

describe("WorkQueue: de-duplication", () => {
  it("hands keys out in the order they were added", async () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    queue.add("b");
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
  });

  it("queues a key added several times while waiting only once", async () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe("a");
    expect(queue.len()).toBe(0);
  });

  it("requeues a key added while it is processed once, after done()", async () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    const key = await queue.get();
    queue.add("a");
    queue.add("a");
    // Not handed to a second worker while the first holds it.
    expect(queue.len()).toBe(0);
    let second: string | undefined;
    void queue.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();
    queue.done(key ?? "");
    await flush();
    expect(second).toBe("a");
    queue.done("a");
    expect(queue.len()).toBe(0);
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const { queue } = queueWithManualTime();
    const next = queue.get();
    queue.add("a");
    expect(await next).toBe("a");
  });

  it("ignores done() for a key it never handed out", () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    queue.done("a");
    expect(queue.len()).toBe(1);
  });
});

describe("WorkQueue: delays", () => {
  it("queues addAfter() keys when they come due, not before", () => {
    const { queue, timers } = queueWithManualTime();
    queue.addAfter("a", 100);
    timers.advance(99);
    expect(queue.len()).toBe(0);
    timers.advance(1);
    expect(queue.len()).toBe(1);
  });

  it("keeps the earlier due time when a waiting key is added again", () => {
    const { queue, timers } = queueWithManualTime();
    queue.addAfter("a", 100);
    queue.addAfter("a", 50);
    queue.addAfter("a", 500);
    timers.advance(50);
    expect(queue.len()).toBe(1);
    timers.advance(1000);
    expect(queue.len()).toBe(1);
    expect(timers.pending()).toBe(0);
  });

  it("treats a delay of zero or less as add()", () => {
    const { queue } = queueWithManualTime();
    queue.addAfter("a", 0);
    queue.addAfter("b", -5);
    expect(queue.len()).toBe(2);
  });

  it("backs a failing key off exponentially from 5 ms, and forget() resets it", () => {
    const { queue, timers } = queueWithManualTime();
    const readyAfter = (key: string): number => {
      const start = timers.now();
      queue.addRateLimited(key);
      while (queue.len() === 0 && timers.advanceToNext());
      const waited = timers.now() - start;
      void queue.get().then((k) => queue.done(k ?? ""));
      return waited;
    };
    expect([readyAfter("a"), readyAfter("a"), readyAfter("a"), readyAfter("a")]).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues("a")).toBe(4);
    queue.forget("a");
    expect(queue.numRequeues("a")).toBe(0);
    expect(readyAfter("a")).toBe(5);
  });

  it("spaces retries of many keys by the global bucket (10 qps after a burst of 100)", () => {
    const { queue, timers } = queueWithManualTime();
    for (let i = 0; i < 101; i++) queue.addRateLimited(`k${i}`);
    timers.advance(5);
    expect(queue.len()).toBe(100);
    timers.advance(94);
    expect(queue.len()).toBe(100);
    timers.advance(1);
    expect(queue.len()).toBe(101);
  });

  describe("with vitest fake timers and the default (system) timers", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("needs no injected clock", () => {
      vi.useFakeTimers();
      const queue = new WorkQueue<string>();
      queue.addAfter("a", 1000);
      vi.advanceTimersByTime(999);
      expect(queue.len()).toBe(0);
      vi.advanceTimersByTime(1);
      expect(queue.len()).toBe(1);
    });
  });
});

describe("WorkQueue: shutdown", () => {
  it("resolves waiting and later get() calls with undefined and ignores new keys", async () => {
    const { queue, timers } = queueWithManualTime();
    const waiting = queue.get();
    queue.addAfter("later", 100);
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add("a");
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
    expect(timers.pending()).toBe(0);
    expect(queue.isShuttingDown()).toBe(true);
  });

  it("drops keys still queued: after losing leadership nothing more may be processed", async () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    queue.add("b");
    queue.shutDown();
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it("shutDownWithDrain() waits for keys handed out to be done()", async () => {
    const { queue } = queueWithManualTime();
    queue.add("a");
    queue.add("b");
    const a = await queue.get();
    const b = await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    queue.done(a ?? "");
    await flush();
    expect(drained).toBe(false);
    queue.done(b ?? "");
    await drain;
    expect(drained).toBe(true);
  });

  it("shutDownWithDrain() resolves at once when nothing is in flight", async () => {
    const { queue } = queueWithManualTime();
    await expect(queue.shutDownWithDrain()).resolves.toBeUndefined();
    await expect(queue.shutDownWithDrain()).resolves.toBeUndefined();
  });
});

type Op =
  | { kind: "add"; key: string }
  | { kind: "addAfter"; key: string; delayMs: number }
  | { kind: "addRateLimited"; key: string }
  | { kind: "forget"; key: string }
  | { kind: "get"; worker: number }
  | { kind: "done"; worker: number }
  | { kind: "advance"; ms: number };

const workerCount = 3;
const keyArb = fc.constantFrom("a", "b", "c", "d");
const workerArb = fc.integer({ min: 0, max: workerCount - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("add" as const), key: keyArb }),
  fc.record({ kind: fc.constant("addAfter" as const), key: keyArb, delayMs: fc.integer({ min: -10, max: 2000 }) }),
  fc.record({ kind: fc.constant("addRateLimited" as const), key: keyArb }),
  fc.record({ kind: fc.constant("forget" as const), key: keyArb }),
  fc.record({ kind: fc.constant("get" as const), worker: workerArb }),
  fc.record({ kind: fc.constant("done" as const), worker: workerArb }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 3000 }) }),
);

type Worker = { state: "idle" } | { state: "waiting" } | { state: "holding"; key: string };

describe("WorkQueue: properties over random schedules of workers", () => {
  it("never hands a key to two workers at once, and processes every key after its last add", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 120 }), async (ops) => {
        const timers = new ManualTimers(0);
        // Small limits so that the backoff cap and the bucket are both reached within a run.
        const queue = new WorkQueue<string>({ timers, baseDelayMs: 5, maxDelayMs: 400, qps: 10, burst: 3 });
        const workers: Worker[] = Array.from({ length: workerCount }, () => ({ state: "idle" }));
        let step = 0;
        const lastAdd = new Map<string, number>();
        const lastStart = new Map<string, number>();

        const receive = (worker: number, key: string | undefined) => {
          if (key === undefined) return; // only after the final shutDown
          const holders = workers.filter((w) => w.state === "holding" && w.key === key);
          expect(holders, `"${key}" handed out while a worker holds it`).toHaveLength(0);
          workers[worker] = { state: "holding", key };
          lastStart.set(key, step);
        };
        const startGet = (worker: number) => {
          workers[worker] = { state: "waiting" };
          void queue.get().then((key) => receive(worker, key));
        };
        const finish = (worker: number) => {
          const w = workers[worker];
          if (w?.state !== "holding") return;
          workers[worker] = { state: "idle" };
          queue.done(w.key);
        };

        for (const op of ops) {
          step++;
          switch (op.kind) {
            case "add":
              lastAdd.set(op.key, step);
              queue.add(op.key);
              break;
            case "addAfter":
              lastAdd.set(op.key, step);
              queue.addAfter(op.key, op.delayMs);
              break;
            case "addRateLimited":
              lastAdd.set(op.key, step);
              queue.addRateLimited(op.key);
              break;
            case "forget":
              queue.forget(op.key);
              break;
            case "get":
              if (workers[op.worker]?.state === "idle") startGet(op.worker);
              break;
            case "done":
              finish(op.worker);
              break;
            case "advance":
              timers.advance(op.ms);
              break;
          }
          await flush();
          expect(queue.len()).toBeLessThanOrEqual(4);
        }

        // Let the workers run everything that is left, moving time on when nothing is ready.
        for (let guard = 0; guard < 1000; guard++) {
          step++;
          for (let w = 0; w < workerCount; w++) finish(w);
          await flush();
          for (let w = 0; w < workerCount; w++) if (workers[w]?.state === "idle") startGet(w);
          await flush();
          const busy = workers.some((w) => w.state === "holding");
          if (!busy && queue.len() === 0 && !timers.advanceToNext()) break;
        }
        queue.shutDown();
        await flush();

        for (const [key, added] of lastAdd) {
          expect(lastStart.get(key), `"${key}" was not processed after its last add`).toBeGreaterThanOrEqual(added);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("counts each distinct waiting key once in len()", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 50 }), (keys) => {
        const { queue } = queueWithManualTime();
        for (const key of keys) queue.add(key);
        expect(queue.len()).toBe(new Set(keys).size);
      }),
    );
  });
});
