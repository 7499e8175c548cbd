/** The in-cluster levers against a real kube-apiserver: ConfigMap flags and Deployment scale. */
import { AppsV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { setFlag } from "../../src/actuators/flags/configmap-flag.js";
import { scaleDeployment } from "../../src/actuators/scale/deployment-scale.js";

const env = inject("env");
let core: CoreV1Api;
let apps: AppsV1Api;
const namespace = "default";

beforeAll(() => {
  const kc = new KubeConfig();
  kc.loadFromFile(env.regions[0]!.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

describe("ConfigMap flag lever", () => {
  it("sets one key, leaves the others, and does nothing when the value is already there", async () => {
    const name = `app-flags-${Date.now()}`;
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name }, data: { read_only: "false", theme: "dark" } },
    });
    const target = { namespace, name, key: "read_only", value: "true" };
    expect(await setFlag(core, target, true)).toEqual({ changed: true, before: "false" });
    expect((await core.readNamespacedConfigMap({ name, namespace })).data?.read_only).toBe("false"); // dry run
    expect(await setFlag(core, target)).toEqual({ changed: true, before: "false" });
    const after = await core.readNamespacedConfigMap({ name, namespace });
    expect(after.data).toEqual({ read_only: "true", theme: "dark" });
    expect(await setFlag(core, target)).toEqual({ changed: false, before: "true" });
    expect((await core.readNamespacedConfigMap({ name, namespace })).metadata?.resourceVersion).toBe(
      after.metadata?.resourceVersion,
    );
  });

  it("names the missing ConfigMap instead of creating one", async () => {
    await expect(setFlag(core, { namespace, name: "nope", key: "k", value: "v" })).rejects.toThrow(
      "ConfigMap default/nope does not exist",
    );
  });
});

describe("Deployment scale lever", () => {
  it("scales through the scale subresource and is idempotent", async () => {
    const name = `checkout-worker-${Date.now()}`;
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "w", image: "worker:1" }] } },
        },
      },
    });
    expect(await scaleDeployment(apps, { namespace, name, replicas: 0 })).toEqual({ changed: true, before: 3 });
    expect((await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas).toBe(0);
    expect(await scaleDeployment(apps, { namespace, name, replicas: 0 })).toEqual({ changed: false, before: 0 });
  });
});
