/**
 * Everything derived from a source in this repository, in one place:
 *   src/crds/generated/*.ts          ← src/crds/*.yaml            (json-schema-to-typescript)
 *   charts/switchyard/templates/crds/*.yaml ← src/crds/*.yaml     (templated copies behind crds.enabled/crds.keep:
 *                                                                 Helm cannot read outside the chart, and it never
 *                                                                 upgrades what sits in crds/, so they are templates)
 *   charts/switchyard/README.md      ← values.yaml + README.md.gotmpl (helm-docs: the values table from their comments)
 *   deploy/kustomize/base/*.yaml     ← charts/switchyard + CRDs   (helm template without a region, for kubectl users;
 *                                                                 the per-region overlays beside it are written by hand)
 *   deploy/iam/*.json                ← src/core/iam               (the controller role's IAM policy documents)
 *   npm run generate            write them
 *   npm run generate -- --check exit 1 when any is stale (make test runs this)
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { peerRolePolicy, shippedPolicy } from "../src/core/iam/policy.js";
import { crdPath, kinds, plurals } from "../src/crds/definitions.js";
import { ensureBinaries } from "../test/env/binaries.js";
import { generatedPath, renderTypes } from "./generate-types.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const chart = join(root, "charts", "switchyard");

/** The placeholder region the base is rendered with; its flag is then taken out, for each overlay to add its own. */
const baseRegion = "us-east-1";

/**
 * The kustomize base for kubectl users: the chart's defaults, rendered, with no region at all. The controller refuses
 * to start without --region, so the base alone cannot run as the wrong region; each cluster's overlay
 * (deploy/kustomize/overlays/<region>, written by hand) adds its own. CRDs apart, so they can be applied first.
 */
export async function renderKustomizeBase(helm: string): Promise<[string, string][]> {
  const { stdout } = await promisify(execFile)(
    helm,
    [
      ...["template", "switchyard", chart, "--namespace", "switchyard-system", "--kube-version", "1.34.4"],
      ...["--set", `region=${baseRegion}`],
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const regionFlag = `            - --region=${baseRegion}\n`;
  if (stdout.split(regionFlag).length !== 2)
    throw new Error(`the chart's Deployment has no single ${regionFlag.trim()}`);
  // kubectl, not Helm, manages these objects: a Helm label would tell a reader (and tools) the wrong owner.
  const documents = stdout
    .replace(regionFlag, "")
    .replaceAll("app.kubernetes.io/managed-by: Helm", "app.kubernetes.io/managed-by: kubectl")
    .split(/^---\n/m)
    .filter((doc) => /^kind: /m.test(doc));
  const isCrd = (doc: string) => /^kind: CustomResourceDefinition$/m.test(doc);
  const header = (what: string) =>
    `# ${what}: rendered by \`npm run generate\` from charts/switchyard's defaults (do not edit; change the chart).\n`;
  const join_ = (docs: string[]) => docs.map((doc) => `---\n${doc.trimEnd()}\n`).join("");
  const base = join(root, "deploy", "kustomize", "base");
  const namespace = ["apiVersion: v1", "kind: Namespace", "metadata:", "  name: switchyard-system", ""].join("\n");
  const kustomization = [
    "# Switchyard for kubectl users: no region here. Apply an overlay that adds --region for its cluster, e.g.",
    "#   kubectl apply --server-side -k deploy/kustomize/overlays/us-east-1",
    "# (copy one for your region). Rendered by `npm run generate` (do not edit).",
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "resources:",
    "  - namespace.yaml",
    "  - crds.yaml",
    "  - switchyard.yaml",
    "",
  ].join("\n");
  return [
    [join(base, "kustomization.yaml"), kustomization],
    [join(base, "namespace.yaml"), `${header("The controller's namespace")}${namespace}`],
    [join(base, "crds.yaml"), `${header("The four CRDs")}${join_(documents.filter(isCrd))}`],
    [
      join(base, "switchyard.yaml"),
      `${header("The controller, its RBAC, Service and PodDisruptionBudget")}${join_(documents.filter((d) => !isCrd(d)))}`,
    ],
  ];
}

/** The chart's README as helm-docs writes it (--dry-run prints it instead of writing, so --check can compare). */
export async function renderChartReadme(helmDocs: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    helmDocs,
    ["--dry-run", "--chart-search-root", join(root, "charts"), "--log-level", "warning"],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * A CRD as a chart template, the cert-manager way: rendered only with crds.enabled, and kept on uninstall (and on an
 * upgrade that drops it) with crds.keep, since deleting a CRD deletes every object of its kind. The CRD's own text
 * may hold `{{from}}`/`{{to}}` (plan templates in descriptions): Helm would read those as its own, so they are escaped.
 */
function crdTemplate(crd: string): string {
  const escaped = crd.replace(/\{\{|\}\}/g, (braces) => (braces === "{{" ? '{{ "{{" }}' : '{{ "}}" }}'));
  const withMetadata = escaped.replace(
    /^metadata:\n/m,
    [
      "metadata:",
      "  labels:",
      '    {{- include "switchyard.labels" . | nindent 4 }}',
      "  {{- if .Values.crds.keep }}",
      "  annotations:",
      "    helm.sh/resource-policy: keep",
      "  {{- end }}",
      "",
    ].join("\n"),
  );
  if (withMetadata === escaped) throw new Error("a CRD without a top-level metadata: line");
  return `{{- if .Values.crds.enabled }}\n${withMetadata.trimEnd()}\n{{- end }}\n`;
}

/** In dependency order: the chart's CRD templates are written before deploy/ is rendered from the chart. */
const outputs: (() => Promise<[string, string][]>)[] = [
  async () =>
    Promise.all(
      kinds.flatMap((kind) => [
        renderTypes(kind).then((text): [string, string] => [generatedPath(kind), text]),
        readFile(crdPath(kind), "utf8").then((text): [string, string] => [
          join(chart, "templates", "crds", `${plurals[kind]}.yaml`),
          crdTemplate(text),
        ]),
      ]),
    ),
  async () => {
    const { helm, helmDocs } = await ensureBinaries((line) => console.error(line));
    return [[join(chart, "README.md"), await renderChartReadme(helmDocs)], ...(await renderKustomizeBase(helm))];
  },
  () =>
    Promise.resolve([
      [join(root, "deploy", "iam", "switchyard-controller.json"), `${JSON.stringify(shippedPolicy(), null, 2)}\n`],
      [join(root, "deploy", "iam", "switchyard-peer-roles.json"), `${JSON.stringify(peerRolePolicy(), null, 2)}\n`],
    ]),
];

async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  for (const group of outputs) {
    for (const [path, content] of await group()) {
      const current = await readFile(path, "utf8").catch(() => "");
      if (current === content) continue;
      if (check) {
        stale.push(path.slice(root.length + 1));
      } else {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content);
      }
    }
  }
  if (stale.length > 0) {
    console.error(`stale generated files (run npm run generate):\n  ${stale.join("\n  ")}`);
    process.exit(1);
  }
}

await main(process.argv.includes("--check"));
