// Writes mappings/mapping.schema.json and mappings/report.schema.json from the zod schemas.
import { writeFileSync } from "node:fs";
import { mappingJsonSchema, reportJsonSchema } from "../src/core/json-schemas.js";

writeFileSync("mappings/mapping.schema.json", `${JSON.stringify(mappingJsonSchema(), null, 2)}\n`);
writeFileSync("mappings/report.schema.json", `${JSON.stringify(reportJsonSchema(), null, 2)}\n`);
