import { describe, expect, it } from "vitest";
import { promotionAction, type GlobalClusterState } from "./global-cluster.js";

const east = "arn:aws:rds:us-east-1:1:cluster:use1";
const west = "arn:aws:rds:eu-west-1:1:cluster:euw1";
const state = (s: Partial<GlobalClusterState>): GlobalClusterState => ({ status: "available", writer: east, ...s });

describe("promotionAction", () => {
  it.each([
    ["target already writes", state({ writer: west }), true, false, { type: "done" }],
    ["healthy source: switchover", state({}), true, false, { type: "call", mode: "switchover" }],
    ["unhealthy source, data loss allowed: failover", state({}), false, true, { type: "call", mode: "failover" }],
    ["unhealthy source, no data loss allowed", state({}), false, false, { type: "refuse" }],
    [
      "under way to the target",
      state({ transition: { to: west, dataLossAllowed: false } }),
      true,
      false,
      { type: "wait" },
    ],
    [
      "under way elsewhere",
      state({ transition: { to: east, dataLossAllowed: true } }),
      true,
      false,
      { type: "refuse" },
    ],
    ["busy cluster", state({ status: "modifying" }), true, false, { type: "wait" }],
    [
      "writer is the target but the transition has not finished",
      state({ writer: west, transition: { to: west, dataLossAllowed: false } }),
      true,
      false,
      { type: "wait" },
    ],
  ] as const)("%s", (_name, observed, sourceHealthy, allowDataLoss, expected) => {
    expect(promotionAction(observed, west, sourceHealthy, allowDataLoss)).toMatchObject(expected);
  });
});
