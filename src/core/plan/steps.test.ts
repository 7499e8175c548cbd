import { describe, expect, it } from "vitest";
import {
  intentOf,
  isPromotion,
  isRestorable,
  movesTraffic,
  regionOf,
  stepKinds,
  writerTarget,
  type PromotionStep,
} from "./steps.js";
import { bindText } from "./template.js";
import { FROM, TO, step } from "./testing.js";

describe("step kinds", () => {
  it.each(stepKinds)("%s: what the engine and rollback need to know", (kind) => {
    const s = step(kind, "s", {}, FROM);
    expect({
      promotion: isPromotion(s),
      traffic: movesTraffic(s),
      restorable: isRestorable(s),
      region: regionOf(s),
    }).toEqual(
      {
        flag: { promotion: false, traffic: false, restorable: true, region: FROM },
        route53: { promotion: false, traffic: true, restorable: true, region: undefined },
        auroraGlobal: { promotion: true, traffic: false, restorable: false, region: TO },
        rdsPromoteReplica: { promotion: true, traffic: false, restorable: false, region: FROM },
        scale: { promotion: false, traffic: false, restorable: true, region: FROM },
        job: { promotion: false, traffic: false, restorable: false, region: FROM },
        webhook: { promotion: false, traffic: false, restorable: false, region: undefined },
        waitFor: { promotion: false, traffic: false, restorable: false, region: FROM },
        approval: { promotion: false, traffic: false, restorable: false, region: undefined },
      }[kind],
    );
  });

  it("a promotion's writer is its target region", () => {
    expect(writerTarget(step("auroraGlobal") as PromotionStep)).toBe(TO);
    expect(writerTarget(step("rdsPromoteReplica", "r", {}, FROM) as PromotionStep)).toBe(FROM);
  });

  it("intent is the kind and its bound fields, a copy", () => {
    const s = step("flag", "freeze", { bestEffort: true }, FROM);
    const intent = intentOf(s);
    expect(intent).toEqual({
      kind: "flag",
      flag: { region: FROM, configMapRef: { name: "app-flags" }, key: "read_only", value: "true" },
    });
    (intent.flag as { key: string }).key = "changed";
    expect(s.kind === "flag" && s.flag.key).toBe("read_only");
  });
});

describe("templates", () => {
  it("binds {{from}} and {{to}} everywhere in a text, nothing else", () => {
    expect(bindText("{{from}}→{{to}}, {{to}} again, {{ from }}, {{other}}", { from: "a", to: "b" })).toBe(
      "a→b, b again, {{ from }}, {{other}}",
    );
  });
});
