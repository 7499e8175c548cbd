/**
 * The world an end-to-end story runs in: the two real regions from the local environment, a togglable HTTP endpoint
 * per region (what the http signals probe), and helpers to read Switchyard objects back. Stories read as
 * Given/When/Then on top of it.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { group, plurals, version } from "../../src/crds/definitions.js";
import type { FailoverRun } from "../../src/crds/generated/failoverruns.js";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import type { ControlPlaneInfo } from "../env/control-plane.js";
import type { EnvironmentInfo } from "../env/environment.js";
import { installCrds, kubectl } from "../env/kubectl.js";

const root = join(import.meta.dirname, "..", "..");

export class RegionEndpoint {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly state: { status: number },
  ) {}

  /** The HTTP status the endpoint answers with: 200 healthy, 503 failing. */
  get status(): number {
    return this.state.status;
  }

  set status(value: number) {
    this.state.status = value;
  }

  static async start(): Promise<RegionEndpoint> {
    const state = { status: 200 };
    const server = createServer((_req, res) => {
      res.writeHead(state.status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return new RegionEndpoint(server, `http://127.0.0.1:${port}/healthz`, state);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export class Cluster {
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;

  constructor(
    readonly env: EnvironmentInfo,
    readonly info: ControlPlaneInfo,
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(info.kubeconfig);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async installCrds(): Promise<void> {
    await installCrds(this.env, this.info.kubeconfig, join(root, "src", "crds"));
  }

  async createNamespace(name: string): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name } } });
  }

  async apply(...objects: object[]): Promise<void> {
    const manifest = objects.map((o) => stringify(o)).join("---\n");
    const result = await kubectl(this.env, this.info.kubeconfig, ["apply", "--server-side", "-f", "-"], manifest);
    if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
  }

  async policy(namespace: string, name: string): Promise<RegionPolicy> {
    return (await this.custom.getNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.RegionPolicy,
      name,
    })) as RegionPolicy;
  }

  async runs(namespace: string): Promise<FailoverRun[]> {
    const list = (await this.custom.listNamespacedCustomObject({
      group,
      version,
      namespace,
      plural: plurals.FailoverRun,
    })) as { items: FailoverRun[] };
    return list.items;
  }

  async eventReasons(namespace: string, name: string): Promise<string[]> {
    const events = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
    return events.items.map((e) => e.reason ?? "");
  }
}

/** Polls until `check` returns a value (not undefined), or fails with the last thing it saw. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const cause = last instanceof Error ? `: ${last.message}` : "";
  throw new Error(`timed out waiting for ${what}${cause}`);
}
