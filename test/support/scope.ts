// A ViewScope (settings + directory) for pure engine tests.
import type { MappingInput } from "../../src/core/mapping.js";
import { deriveSettings } from "../../src/engine/context.js";
import { Directory } from "../../src/engine/directory.js";
import type { ViewScope } from "../../src/engine/view.js";
import { references, testMapping } from "./engine-world.js";

export function testScope(overrides: MappingInput = {}): ViewScope {
  const mapping = testMapping(overrides);
  const refs = references();
  return { settings: deriveSettings(mapping), directory: new Directory(refs.plannr, refs.onlyoffice, mapping) };
}
