// The JSON Schemas published in mappings/: the mapping file (what a person writes, so the input
// side with defaults) and the `--json` report (what a scheduler reads). Generated from the zod
// schemas, so they cannot drift; a test compares them with the committed files.
import { z } from "zod";
import { MappingSchema } from "./mapping.js";
import { RunReportSchema } from "./report.js";

export function mappingJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(MappingSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://case-sync.dev/schemas/mapping.schema.json",
    title: "case-sync mapping file",
  };
}

export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RunReportSchema, { io: "output", unrepresentable: "any" }),
    $id: "https://case-sync.dev/schemas/report.schema.json",
    title: "case-sync run report (--json)",
  };
}
