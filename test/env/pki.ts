/**
 * Certificates for one local control plane, made with the openssl command line: a CA, the apiserver's serving
 * certificate for 127.0.0.1/localhost, an admin client certificate (CN=admin, O=system:masters, as envtest does), and
 * the service-account signing key pair.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Pki {
  caCert: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function signedLeaf(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await run("openssl", [
    "req",
    ...ecKey,
    "-keyout",
    join(dir, `${name}.key`),
    "-out",
    join(dir, `${name}.csr`),
    "-subj",
    subject,
  ]);
  await run("openssl", [
    ...["x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key")],
    // A random serial per certificate: -CAcreateserial would share one serial file between leaves signed at once.
    ...["-set_serial", `0x${randomBytes(16).toString("hex")}`],
    ...["-days", "30", "-extfile", ext, "-out", join(dir, `${name}.crt`)],
  ]);
}

export async function createPki(dir: string, name: string): Promise<Pki> {
  await run("openssl", [
    ...["req", "-x509", ...ecKey, "-keyout", join(dir, "ca.key"), "-out", join(dir, "ca.crt")],
    ...["-days", "30", "-subj", `/CN=switchyard-local-${name}-ca`],
  ]);
  await Promise.all([
    signedLeaf(
      dir,
      "apiserver",
      "/CN=kube-apiserver",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
    ),
    signedLeaf(dir, "admin", "/O=system:masters/CN=admin", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n"),
    run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", join(dir, "sa.key")]),
  ]);
  await run("openssl", ["pkey", "-in", join(dir, "sa.key"), "-pubout", "-out", join(dir, "sa.pub")]);
  return {
    caCert: join(dir, "ca.crt"),
    servingCert: join(dir, "apiserver.crt"),
    servingKey: join(dir, "apiserver.key"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
    serviceAccountKey: join(dir, "sa.key"),
    serviceAccountPub: join(dir, "sa.pub"),
  };
}
