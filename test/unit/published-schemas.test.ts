// The JSON Schemas in mappings/ are generated from the zod schemas; this keeps them in step
// (regenerate with `npm run schemas`), and checks the example mappings load.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mappingJsonSchema, reportJsonSchema } from "../../src/core/json-schemas.js";
import { loadMappingFile } from "../../src/mapping/load.js";

describe("published schemas and examples", () => {
  it("mappings/mapping.schema.json matches the zod mapping schema", () => {
    expect(JSON.parse(readFileSync("mappings/mapping.schema.json", "utf8"))).toEqual(mappingJsonSchema());
  });

  it("mappings/report.schema.json matches the zod report schema", () => {
    expect(JSON.parse(readFileSync("mappings/report.schema.json", "utf8"))).toEqual(reportJsonSchema());
  });

  it.each(["mappings/sync.example.yaml", "mappings/migration.example.yaml"])("%s loads", (path) => {
    const mapping = loadMappingFile(path);
    expect(mapping.onlyoffice.linkField).not.toBeNull();
  });
});
