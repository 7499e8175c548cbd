import { describe, expect, it } from "vitest";
import type { RegionPolicy } from "../crds/generated/regionpolicies.js";
import { peerNews } from "./peer-views.js";

const published = (time: string, health: "Healthy" | "Unhealthy", epoch = 3): RegionPolicy =>
  ({
    metadata: { name: "checkout", namespace: "default" },
    spec: { regions: [], signals: [], automation: {} },
    status: {
      epoch,
      lastDecision: { time, decision: "Stay", reason: "AllHealthy", message: "" },
      view: {
        observer: "controller/eu-west-1",
        time,
        regions: [
          { name: "us-east-1", health, failingSignals: health === "Healthy" ? [] : ["api"] },
          { name: "eu-west-1", health: "Healthy", failingSignals: [] },
        ],
      },
    },
  }) as unknown as RegionPolicy;

describe("peerNews", () => {
  it("is no news when a peer only refreshed its view's time (and whatever else of its status)", () => {
    expect(peerNews(published("2026-12-01T10:00:00Z", "Healthy"), published("2026-12-01T10:01:00Z", "Healthy"))).toBe(
      false,
    );
  });

  it("is news when a verdict, the epoch or the view itself changes", () => {
    const before = published("2026-12-01T10:00:00Z", "Healthy");
    expect(peerNews(before, published("2026-12-01T10:00:05Z", "Unhealthy"))).toBe(true);
    expect(peerNews(before, published("2026-12-01T10:00:05Z", "Healthy", 4))).toBe(true);
    expect(peerNews(undefined, before)).toBe(true);
    const withoutView = { ...before, status: { ...before.status, view: undefined } } as RegionPolicy;
    expect(peerNews(before, withoutView)).toBe(true);
  });
});
