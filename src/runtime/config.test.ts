import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("reads flags, falls back to SWITCHYARD_* variables, then to defaults", () => {
    const config = loadConfig(["--region", "eu-west-1", "--lease-duration-seconds", "20"], {
      SWITCHYARD_LEASE_NAME: "from-env",
      SWITCHYARD_REGION: "ignored-because-flag-wins",
    });
    expect(config).toMatchObject({
      region: "eu-west-1",
      leaseDurationSeconds: 20,
      leaseName: "from-env",
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      logLevel: "info",
    });
  });

  it("keeps peer kubeconfigs inert unless a trusted install says otherwise", () => {
    expect(loadConfig(["--region", "us-east-1"], {})).toMatchObject({
      allowKubeconfigExec: false,
      allowControllerAwsIdentity: false,
    });
    const trusted = loadConfig(["--region", "us-east-1", "--allow-kubeconfig-exec=true"], {
      SWITCHYARD_ALLOW_CONTROLLER_AWS_IDENTITY: "true",
    });
    expect(trusted).toMatchObject({ allowKubeconfigExec: true, allowControllerAwsIdentity: true });
    expect(loadConfig(["--region", "us-east-1", "--allow-kubeconfig-exec", "false"], {}).allowKubeconfigExec).toBe(
      false,
    );
  });

  it("acts as no one by default: tenancy is refused unless a ServiceAccount or the single-tenant opt-in says otherwise", () => {
    expect(loadConfig(["--region", "us-east-1"], {})).toMatchObject({ actAsController: false });
    expect(loadConfig(["--region", "us-east-1"], {}).defaultServiceAccount).toBeUndefined();
    expect(
      loadConfig(
        ["--region", "us-east-1", "--default-service-account=switchyard-tenant", "--act-as-controller=true"],
        {},
      ),
    ).toMatchObject({ defaultServiceAccount: "switchyard-tenant", actAsController: true });
  });

  it.each([
    [["--region", "us-east-1", "--allow-kubeconfig-exec", "yes please"], "--allow-kubeconfig-exec"],
    [
      ["--region", "us-east-1", "--act-as-controller", "yes please"],
      "--act-as-controller (SWITCHYARD_ACT_AS_CONTROLLER)",
    ],
    [["--region", "us-east-1", "--default-service-account", "Not A Name"], "must be a ServiceAccount name"],
    [[], "--region (SWITCHYARD_REGION)"],
    [["--region", "US East"], "must be a region name"],
    [["--region", "us-east-1", "--renew-deadline-seconds", "20"], "renewDeadlineSeconds must be shorter"],
    [["--region", "us-east-1", "--log-level", "chatty"], "--log-level (SWITCHYARD_LOG_LEVEL)"],
    [["--region", "us-east-1", "--lease-duration-seconds", "soon"], "--lease-duration-seconds"],
    [["--region", "us-east-1", "--no-such-flag", "1"], "Unknown option '--no-such-flag'"],
  ])("refuses %j naming the problem", (argv, message) => {
    expect(() => loadConfig(argv, {})).toThrow(ConfigError);
    expect(() => loadConfig(argv, {})).toThrow(message);
  });
});
