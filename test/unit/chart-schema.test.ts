/**
 * values.schema.json closes every object of the chart's own (no unknown key at any level: `--set replicas=3` is refused,
 * not silently ignored) and types every value of values.yaml. The Kubernetes objects passed through to the pod (an
 * env var's valueFrom, a volume's source, node affinity) are typed to their first level, the rest being the API
 * server's to check: those are marked by their description and counted here, so a new open object is a decision.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const chart = join(import.meta.dirname, "..", "..", "charts", "switchyard");

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Schema[];
  $ref?: string;
  description?: string;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  definitions?: Record<string, Schema>;
}

const load = async () => JSON.parse(await readFile(join(chart, "values.schema.json"), "utf8")) as Schema;

function resolve(root: Schema, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/definitions/", "");
  const target = root.definitions?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(root, target);
}

/** Every object schema in the tree, with its path. */
function objects(root: Schema, schema: Schema, path: string, out: [string, Schema][] = []): [string, Schema][] {
  const s = resolve(root, schema);
  if (s.type === "object" || s.properties) out.push([path, s]);
  for (const [key, child] of Object.entries(s.properties ?? {})) objects(root, child, `${path}.${key}`, out);
  for (const [key, child] of Object.entries(s.patternProperties ?? {})) objects(root, child, `${path}[${key}]`, out);
  if (typeof s.additionalProperties === "object") objects(root, s.additionalProperties, `${path}[*]`, out);
  if (s.items) objects(root, s.items, `${path}[]`, out);
  for (const branch of s.anyOf ?? []) objects(root, branch, path, out);
  return out;
}

describe("values.schema.json", () => {
  it("closes every object of the chart's own, and marks each Kubernetes pass-through as such", async () => {
    const root = await load();
    const open = objects(root, root, "$").filter(([, s]) => s.additionalProperties === undefined);
    const passThrough = open.filter(([, s]) => s.description?.startsWith("a Kubernetes "));
    expect(open.filter((entry) => !passThrough.includes(entry)).map(([path]) => path)).toEqual([]);
    // extraEnv[].valueFrom, the 30 volume sources, affinity's three kinds
    expect(passThrough).toHaveLength(34);
    expect(root.additionalProperties).toBe(false);
  });

  it("types every value of values.yaml", async () => {
    const root = await load();
    const values = parse(await readFile(join(chart, "values.yaml"), "utf8")) as unknown;
    const untyped: string[] = [];
    const walk = (value: unknown, schema: Schema | undefined, path: string) => {
      if (!schema) {
        untyped.push(path);
        return;
      }
      const s = resolve(root, schema);
      if (!s.type && !s.enum && !s.anyOf) untyped.push(path);
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, s.items, `${path}[${i}]`));
      else if (value && typeof value === "object") {
        for (const [key, child] of Object.entries(value)) {
          walk(
            child,
            s.properties?.[key] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined),
            `${path}.${key}`,
          );
        }
      }
    };
    walk(values, root, "$");
    expect(untyped).toEqual([]);
  });
});
