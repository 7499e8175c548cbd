/** The CRD files are complete API documentation and the generated types follow them. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generatedPath, renderTypes } from "../../scripts/generate-types.js";
import { kinds, loadCrd, openApiSchema, plurals } from "../../src/crds/definitions.js";

interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
}

/** Paths of every schema node that `kubectl explain` would show without a description. */
function undocumented(schema: Schema, path: string): string[] {
  const missing = schema.description ? [] : [path];
  const children = Object.entries(schema.properties ?? {}).flatMap(([key, child]) =>
    undocumented(child, `${path}.${key}`),
  );
  const items = schema.items?.properties
    ? undocumented(schema.items, `${path}[]`).filter((p) => p !== `${path}[]`)
    : [];
  return [...missing, ...children, ...items];
}

describe.each(kinds)("%s CRD", (kind) => {
  it("is the switchyard.dev/v1alpha1 kind it is named after, in the switchyard category", () => {
    const crd = loadCrd(kind);
    expect(crd.metadata.name).toBe(`${plurals[kind]}.switchyard.dev`);
    expect(crd.spec).toMatchObject({
      group: "switchyard.dev",
      scope: "Namespaced",
      names: { categories: ["switchyard"] },
    });
  });

  it("documents every field", () => {
    // metadata is ObjectMeta: the API server publishes Kubernetes' own documentation for it.
    const missing = undocumented(openApiSchema(kind) as Schema, kind).filter((p) => p !== `${kind}.metadata`);
    expect(missing).toEqual([]);
  });

  it("has up-to-date generated types (npm run generate)", async () => {
    const onDisk = await readFile(generatedPath(kind), "utf8");
    expect(onDisk).toBe(await renderTypes(kind));
  });
});
