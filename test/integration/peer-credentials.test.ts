/**
 * Peer cluster credentials against real API servers and the AWS emulator: a tenant's kubeconfig Secret runs nothing
 * and reads no file in the controller, and an EKS peer is reached with a token the controller makes itself.
 *
 * An extra control plane stands for an EKS cluster: its API server asks a token webhook (test/env/eks-authenticator.ts)
 * that verifies `k8s-aws-v1.` tokens as aws-iam-authenticator does, through the emulator's STS, whose plugin checks
 * presigned signatures. RBAC there lets the mapped role read ConfigMaps in one namespace and nothing else.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  VersionApi,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import type { RegionPolicy } from "../../src/crds/generated/regionpolicies.js";
import { decodeToken, EksTokens, encodeToken } from "../../src/runtime/eks-token.js";
import { PeerClusters, PeerCredentialsProblem, type PeerClustersOptions } from "../../src/runtime/peer-clusters.js";
import { impersonating } from "../../src/runtime/tenant-clients.js";
import { ensureBinaries } from "../env/binaries.js";
import { startControlPlane, type ControlPlane } from "../env/control-plane.js";
import { startControllerProcess, type ControllerProcess } from "../env/controller-process.js";
import { startEksAuthenticator, type EksAuthenticator } from "../env/eks-authenticator.js";
import { regionPolicy, withMode } from "../fixtures/builders.js";
import { Cluster, eventually } from "../fixtures/world.js";

const env = inject("env");
const local = new Cluster(env, env.regions[0]!);
const namespace = `peer-credentials-${randomUUID().slice(0, 8)}`;
const clusterName = "switchyard-peer";
const roleArn = "arn:aws:iam::123456789012:role/switchyard-peer";
/** What the emulator's STS says the static test pair is: the controller's own identity here. */
const controllerArn = "arn:aws:sts::123456789012:user/moto";
/** The role the real controller's EKS Secret names, so its requests are told apart from this process's. */
const controllerPeerRoleArn = "arn:aws:iam::123456789012:role/switchyard-controller-peer";
const ownCredentials = () =>
  Promise.resolve({ accessKeyId: env.aws.accessKeyId, secretAccessKey: env.aws.secretAccessKey });

let dir: string;
let eks: ControlPlane;
let authenticator: EksAuthenticator;
let controller: ControllerProcess | undefined;
const localKc = new KubeConfig();
localKc.loadFromFile(local.info.kubeconfig);
const localCore = localKc.makeApiClient(CoreV1Api);

interface KubeconfigParts {
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
}

/** A one-context kubeconfig for the EKS stand-in (its CA inline), with `user` as its credentials. */
async function eksKubeconfig(parts: KubeconfigParts = {}): Promise<string> {
  const admin = parse(await readFile(eks.info.kubeconfig, "utf8")) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  const ca = admin.clusters[0]?.cluster["certificate-authority-data"];
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "eks", cluster: { server: eks.info.server, "certificate-authority-data": ca, ...parts.cluster } },
    ],
    users: [{ name: "tenant", user: parts.user ?? {} }],
    contexts: [{ name: "eks", context: { cluster: "eks", user: "tenant" } }],
    "current-context": "eks",
  });
}

/** The policy's eu-west-1 cluster is the Secret `secret` (in this cluster, us-east-1). */
function policyNaming(secret: string, name = secret): RegionPolicy {
  return regionPolicy(name, withMode("Paused"), (p) => {
    p.metadata = { name, namespace };
    p.spec.regions[1]!.cluster = { kubeconfigSecretRef: { name: secret } };
    delete p.spec.fencing;
  });
}

async function createSecret(name: string, stringData: Record<string, string>): Promise<void> {
  await localCore.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData } });
}

/** PeerClusters as the controller builds it (clients.ts), for one policy naming `secret` (read here as the admin). */
function peersFor(secret: string, options: PeerClustersOptions = {}): PeerClusters {
  const eksTokens = new EksTokens({ endpoint: env.aws.endpoint, credentials: ownCredentials });
  return new PeerClusters(
    localKc,
    "us-east-1",
    () => [policyNaming(secret)],
    () => localCore,
    {
      eksTokens,
      ...options,
    },
  );
}

async function whoAmI(kc: KubeConfig): Promise<string | undefined> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
  return review.status?.userInfo?.username;
}

/** The HTTP status the EKS stand-in answers a SelfSubjectReview with, for a bare bearer token. */
async function statusWithToken(token: string): Promise<number> {
  const kc = new KubeConfig();
  kc.loadFromString(await eksKubeconfig({ user: { token } }));
  try {
    await whoAmI(kc);
    return 201;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** A kubeconfig user whose exec plugin would leave `marker` behind (and hand out a useless token). */
function execUser(marker: string) {
  return {
    exec: {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "/bin/sh",
      args: [
        "-c",
        `touch ${marker}; printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}'`,
      ],
      interactiveMode: "Never",
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-peer-credentials-"));
  authenticator = await startEksAuthenticator(join(dir, "token-webhook.yaml"), {
    clusterName,
    stsEndpoint: env.aws.endpoint,
    users: {
      [roleArn]: { username: "eks:switchyard-peer" },
      [controllerArn]: { username: "eks:switchyard-controller" },
      [controllerPeerRoleArn]: { username: "eks:controller-peer" },
    },
  });
  eks = await startControlPlane("eks-peer", dir, await ensureBinaries(), {
    extraApiserverArgs: [
      `--authentication-token-webhook-config-file=${authenticator.configFile}`,
      "--authentication-token-webhook-version=v1",
    ],
  });
  const eksAdmin = new KubeConfig();
  eksAdmin.loadFromFile(eks.info.kubeconfig);
  await eksAdmin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const rbac = eksAdmin.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: "read-configmaps" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: "switchyard-peer" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-configmaps" },
      subjects: [
        { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "eks:switchyard-peer" },
        { kind: "ServiceAccount", name: "tenant", namespace },
      ],
    },
  });
  await local.installCrds();
  await local.createNamespace(namespace);
}, 180_000);

afterAll(async () => {
  await controller?.process.stop();
  await eks?.stop();
  await authenticator?.stop();
  if (dir && process.env.SWITCHYARD_KEEP_ENV !== "1") await rm(dir, { recursive: true, force: true });
});

describe("an EKS peer through awsAuthConfig", () => {
  it("is reached as the role the Secret names, with a token the controller signs itself", async () => {
    await createSecret("eks-role", {
      kubeconfig: await eksKubeconfig(),
      awsAuthConfig: JSON.stringify({ clusterName, roleARN: roleArn }),
    });
    const kc = await peersFor("eks-role").kubeConfigFor("eu-west-1", namespace);
    expect(await whoAmI(kc)).toBe("eks:switchyard-peer");
    expect(authenticator.decisions.at(-1)).toEqual({
      authenticated: true,
      detail: `${roleArn} as eks:switchyard-peer`,
    });
    // RBAC in the peer knows the user: ConfigMaps in its namespace, nothing cluster-wide.
    const core = kc.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedConfigMap({ namespace })).resolves.toBeDefined();
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
  });

  it("refuses a token whose signature was changed, or that was signed for another cluster (401)", async () => {
    const tokens = new EksTokens({ endpoint: env.aws.endpoint, credentials: ownCredentials });
    const good = await tokens.token({ clusterName, roleARN: roleArn }, namespace);
    const url = new URL(decodeToken(good) ?? "");
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set("X-Amz-Signature", `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    const tampered = encodeToken(url.toString());
    const otherCluster = await tokens.token({ clusterName: "another-cluster", roleARN: roleArn }, namespace);
    const elsewhere = new URL(decodeToken(good) ?? "");
    elsewhere.host = "127.0.0.1:1";

    expect(await statusWithToken(tampered)).toBe(401);
    expect(authenticator.decisions.at(-1)?.detail).toBe("STS answered 403: SignatureDoesNotMatch");
    expect(await statusWithToken(otherCluster)).toBe(401);
    expect(authenticator.decisions.at(-1)?.detail).toBe("STS answered 403: SignatureDoesNotMatch");
    expect(await statusWithToken(encodeToken(elsewhere.toString()))).toBe(401);
    expect(authenticator.decisions.at(-1)?.detail).toBe("unexpected STS host 127.0.0.1:1");
    expect(await statusWithToken(good)).toBe(201);
  });

  it("signs as the controller itself only when the install allows it", async () => {
    await createSecret("eks-own", {
      kubeconfig: await eksKubeconfig(),
      awsAuthConfig: `{"clusterName":"${clusterName}"}`,
    });
    const refused = peersFor("eks-own");
    await expect(refused.kubeConfigFor("eu-west-1", namespace)).rejects.toBeInstanceOf(PeerCredentialsProblem);
    expect(refused.problemOf(policyNaming("eks-own"))).toMatchObject({
      reason: "PeerCredentialsRefused",
      message: expect.stringContaining(
        `region eu-west-1: Secret ${namespace}/eks-own key awsAuthConfig: refused an awsAuthConfig without roleARN`,
      ) as string,
    });
    const allowed = peersFor("eks-own", { allowControllerAwsIdentity: true });
    expect(await whoAmI(await allowed.kubeConfigFor("eu-west-1", namespace))).toBe("eks:switchyard-controller");
  });
});

describe("inline credentials", () => {
  it("a static token and an inline client certificate keep working", async () => {
    const eksAdmin = new KubeConfig();
    eksAdmin.loadFromFile(eks.info.kubeconfig);
    const eksCore = eksAdmin.makeApiClient(CoreV1Api);
    await eksCore.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "tenant" } } });
    const issued = await eksCore.createNamespacedServiceAccountToken({
      namespace,
      name: "tenant",
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    await createSecret("static-token", { kubeconfig: await eksKubeconfig({ user: { token: issued.status?.token } }) });
    const token = await peersFor("static-token").kubeConfigFor("eu-west-1", namespace);
    expect(await whoAmI(token)).toBe(`system:serviceaccount:${namespace}:tenant`);
    await expect(token.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace })).resolves.toBeDefined();

    // The local environment's admin kubeconfigs carry their certificates inline (control-plane.ts).
    await createSecret("client-cert", { kubeconfig: await readFile(eks.info.kubeconfig, "utf8") });
    const cert = await peersFor("client-cert").kubeConfigFor("eu-west-1", namespace);
    expect(await whoAmI(cert)).toBe("admin");
  });
});

describe("a peer kubeconfig Secret that cannot be read", () => {
  it("is the policy's problem, said in the API server's words, until a read succeeds", async () => {
    const peers = peersFor("arrives-later");
    await expect(peers.kubeConfigFor("eu-west-1", namespace)).rejects.toMatchObject({ code: 404 });
    expect(peers.problemOf(policyNaming("arrives-later"))).toEqual({
      reason: "PeerCredentialsUnreadable",
      message: `region eu-west-1: Secret ${namespace}/arrives-later key kubeconfig: cannot be read: it does not exist (see docs/peer-credentials.md)`,
    });
    // Read as a tenant whose RBAC does not reach Secrets: the API server's refusal is the message.
    const nobody = impersonating(localKc, `system:serviceaccount:${namespace}:nobody`).makeApiClient(CoreV1Api);
    const forbidden = new PeerClusters(
      localKc,
      "us-east-1",
      () => [policyNaming("arrives-later")],
      () => nobody,
    );
    await expect(forbidden.kubeConfigFor("eu-west-1", namespace)).rejects.toMatchObject({ code: 403 });
    expect(forbidden.problemOf(policyNaming("arrives-later"))?.message).toMatch(
      /cannot be read: secrets "arrives-later" is forbidden: User "system:serviceaccount:[^"]+:nobody" cannot get/,
    );

    await createSecret("arrives-later", { kubeconfig: await readFile(eks.info.kubeconfig, "utf8") });
    expect(await whoAmI(await peers.kubeConfigFor("eu-west-1", namespace))).toBe("admin");
    expect(peers.problemOf(policyNaming("arrives-later"))).toBeUndefined();
  });
});

describe("a kubeconfig that would run code or read files", () => {
  it("is refused on every path that loads a peer, and its command never runs", async () => {
    const marker = join(dir, "exec-ran-in-process");
    await createSecret("exec-in-process", { kubeconfig: await eksKubeconfig({ user: execUser(marker) }) });
    const peers = peersFor("exec-in-process");
    // Peer views, levers and probes all come through these.
    await expect(peers.kubeConfigFor("eu-west-1", namespace)).rejects.toMatchObject({
      reason: "PeerCredentialsRefused",
    });
    await expect(peers.coreApi("eu-west-1", namespace)).rejects.toBeInstanceOf(PeerCredentialsProblem);
    await expect(peers.apps("eu-west-1", namespace)).rejects.toBeInstanceOf(PeerCredentialsProblem);
    expect(await peers.reachable("eu-west-1", namespace)).toBe(false);
    expect(existsSync(marker)).toBe(false);

    await createSecret("files", {
      kubeconfig: await eksKubeconfig({
        cluster: { "certificate-authority": "/etc/ssl/certs/ca-certificates.crt" },
        user: {
          "token-file": "/var/run/secrets/kubernetes.io/serviceaccount/token",
          "auth-provider": { name: "oidc" },
        },
      }),
    });
    const files = peersFor("files");
    await expect(files.kubeConfigFor("eu-west-1", namespace)).rejects.toBeInstanceOf(PeerCredentialsProblem);
    const message = files.problemOf(policyNaming("files"))?.message ?? "";
    expect(message).toContain("clusters[eks].cluster.certificate-authority (reads a controller file)");
    expect(message).toContain("users[tenant].user.auth-provider (runs an auth provider plugin)");
    expect(message).toContain("users[tenant].user.token-file (reads a controller file)");
  });

  it("is reported on the RegionPolicy by a real controller, naming the Secret, key and region, and never runs", async () => {
    const marker = join(dir, "exec-ran-in-controller");
    await createSecret("peer-exec", { kubeconfig: await eksKubeconfig({ user: execUser(marker) }) });
    // Beside it, a policy whose peer is the EKS stand-in: the controller's own chain assumes the role it names.
    await createSecret("eks-controller", {
      kubeconfig: await eksKubeconfig(),
      awsAuthConfig: JSON.stringify({ clusterName, roleARN: controllerPeerRoleArn }),
    });
    const eksPolicy = policyNaming("eks-controller", "eks");
    eksPolicy.spec.regions[1]!.name = "ap-southeast-2";
    eksPolicy.spec.signals[1]!.region = "ap-southeast-2";
    await local.apply(policyNaming("peer-exec", "checkout"), eksPolicy);
    controller = await startControllerProcess({
      region: "us-east-1",
      kubeconfig: local.info.kubeconfig,
      aws: env.aws,
      logDir: dir,
      namespace,
      leaseName: `peer-credentials-${namespace}`,
    });
    const ready = await eventually(
      "the policy to report the refused Secret",
      async () => {
        const policy = await local.policy(namespace, "checkout");
        const condition = policy.status?.conditions?.find((c) => c.type === "Ready");
        return condition?.reason === "PeerCredentialsRefused" ? condition : undefined;
      },
      90_000,
    );
    expect(ready.status).toBe("False");
    expect(ready.message).toContain(
      `region eu-west-1: Secret ${namespace}/peer-exec key kubeconfig: refused users[tenant].user.exec (runs a command)`,
    );
    // The Event is recorded a moment after the status that says the same.
    await eventually("the PeerCredentialsRefused Event", async () =>
      (await local.eventReasons(namespace, "checkout")).includes("PeerCredentialsRefused") ? true : undefined,
    );
    expect(existsSync(marker)).toBe(false);
    // The EKS peer was reached with the controller's token (its peer views), and that policy has no complaint.
    await eventually("the controller's EKS token to be accepted", () =>
      Promise.resolve(
        authenticator.decisions.find((d) => d.detail === `${controllerPeerRoleArn} as eks:controller-peer`),
      ),
    );
    // Ready once its peer's view has been read; a first status may still say the peer is being connected.
    const eksReady = await eventually("the EKS policy to be Ready", async () => {
      const ready = (await local.policy(namespace, "eks")).status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" ? ready : undefined;
    });
    expect(eksReady).toMatchObject({ status: "True" });
    // The log names the Secret and the refused field, never what the Secret holds.
    const log = await readFile(join(dir, `controller-${controller.identity}.log`), "utf8");
    expect(log).toContain("peer kubeconfig not used");
    expect(log).not.toContain(marker);
    expect(log).not.toContain("ExecCredential");
  }, 150_000);

  it("runs its command only when a trusted install turns --allow-kubeconfig-exec on", async () => {
    const marker = join(dir, "exec-ran-when-allowed");
    await createSecret("exec-allowed", { kubeconfig: await eksKubeconfig({ user: execUser(marker) }) });
    const kc = await peersFor("exec-allowed", { allowKubeconfigExec: true }).kubeConfigFor("eu-west-1", namespace);
    // The plugin's token is no credential the peer knows; what matters is that the plugin ran.
    await expect(kc.makeApiClient(VersionApi).getCode()).rejects.toMatchObject({ code: 401 });
    expect(existsSync(marker)).toBe(true);
  });
});
