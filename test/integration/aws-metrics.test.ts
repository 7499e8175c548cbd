/** Every AWS call is counted and timed by service, operation and outcome, through the real SDK against the emulator. */
import { ListHostedZonesCommand } from "@aws-sdk/client-route-53";
import { describe, expect, inject, it } from "vitest";
import { instrumentAws } from "../../src/runtime/aws-metrics.js";
import { createMetrics } from "../../src/runtime/metrics.js";
import { route53Client } from "../env/aws-clients.js";
import { EmulatorControl } from "../env/aws-emulator.js";

const env = inject("env");
const control = new EmulatorControl(env.aws.endpoint);

describe("AWS call metrics", () => {
  it("count ok, throttled and failed calls by operation, and time them", async () => {
    const metrics = createMetrics();
    const route53 = instrumentAws(route53Client(env.aws), "route53", metrics);
    await route53.send(new ListHostedZonesCommand({}));
    await control.injectFault({ service: "route53", action: "ListHostedZones", code: "Throttling", count: 1 });
    await expect(route53.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({ name: "Throttling" });
    await control.injectFault({ service: "route53", action: "ListHostedZones", code: "InvalidInput", count: 1 });
    await expect(route53.send(new ListHostedZonesCommand({}))).rejects.toMatchObject({ name: "InvalidInput" });

    const text = await metrics.registry.metrics();
    for (const outcome of ["ok", "throttled", "error"]) {
      expect(text).toContain(
        `switchyard_aws_requests_total{service="route53",operation="ListHostedZones",outcome="${outcome}"} 1`,
      );
    }
    expect(text).toContain(
      'switchyard_aws_request_duration_seconds_count{service="route53",operation="ListHostedZones"} 3',
    );
  });
});
