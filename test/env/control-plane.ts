/**
 * One real Kubernetes control plane — etcd and kube-apiserver as local processes, envtest-style — standing for one
 * region's cluster. Each has its own ports, certificates, data and admin kubeconfig.
 */
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Binaries } from "./binaries.js";
import { createPki, type Pki } from "./pki.js";
import { freePort, startProcess, waitUntilReady, type ManagedProcess } from "./processes.js";

export interface ControlPlaneInfo {
  name: string;
  server: string;
  kubeconfig: string;
  etcdUrl: string;
  dir: string;
}

export interface ControlPlane {
  readonly info: ControlPlaneInfo;
  /** Stops the apiserver alone (etcd keeps the data), e.g. to cut a region off. */
  stopApiserver(): Promise<void>;
  /** Starts the apiserver again on the same port and data. */
  startApiserver(): Promise<void>;
  stop(): Promise<void>;
}

const startTimeoutMs = 60_000;

/** A GET on loopback; with a PKI, as the admin client over TLS. */
function get(url: string, pki: Pki | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const tls = pki
      ? { ca: readFileSync(pki.caCert), cert: readFileSync(pki.adminCert), key: readFileSync(pki.adminKey) }
      : {};
    const send = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = send(url, { ...tls, timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function kubeconfigFor(name: string, server: string, pki: Pki): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server, "certificate-authority": pki.caCert } }],
    users: [{ name: `${name}-admin`, user: { "client-certificate": pki.adminCert, "client-key": pki.adminKey } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
  });
}

export async function startControlPlane(name: string, baseDir: string, binaries: Binaries): Promise<ControlPlane> {
  const dir = join(baseDir, name);
  await mkdir(join(dir, "etcd"), { recursive: true });
  const [pki, etcdClientPort, etcdPeerPort, apiPort] = await Promise.all([
    createPki(dir, name),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = startProcess(
    `etcd (${name})`,
    binaries.etcd,
    [
      "--name=default",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=default=${peerUrl}`,
      // Test data is thrown away; fsync would only slow every write down.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    join(dir, "etcd.log"),
  );
  await waitUntilReady(
    etcd,
    async () => (await get(`${etcdUrl}/health`, undefined)).body.includes('"true"'),
    startTimeoutMs,
  );

  const server = `https://127.0.0.1:${apiPort}`;
  const apiserverArgs = [
    `--etcd-servers=${etcdUrl}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, "apiserver-certs")}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--authorization-mode=RBAC",
    // No controller-manager runs here, so nothing would create the service-account tokens this plugin waits for.
    "--disable-admission-plugins=ServiceAccount",
    "--endpoint-reconciler-type=none",
  ];
  let apiserver: ManagedProcess | undefined;
  const startApiserver = async () => {
    apiserver = startProcess(
      `kube-apiserver (${name})`,
      binaries.kubeApiserver,
      apiserverArgs,
      join(dir, "apiserver.log"),
    );
    await waitUntilReady(apiserver, async () => (await get(`${server}/readyz`, pki)).status === 200, startTimeoutMs);
  };
  try {
    await startApiserver();
  } catch (error) {
    await etcd.stop();
    throw error;
  }
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, kubeconfigFor(name, server, pki));
  return {
    info: { name, server, kubeconfig, etcdUrl, dir },
    stopApiserver: async () => {
      await apiserver?.stop();
    },
    startApiserver,
    stop: async () => {
      await apiserver?.stop();
      await etcd.stop();
    },
  };
}
