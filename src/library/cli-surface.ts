// What the CLI takes from the engine, the mapping and the state besides `createSync`: one door, so
// that `src/cli` depends on the library (and core, transport) alone and never reaches around it
// (STYLE.md "the CLI is the composition root"; test/unit/architecture.test.ts holds it to that).
export { notCarriedText } from "../engine/report.js";
export { parseMapping } from "../mapping/load.js";
export { LINK_FIELD_LABEL } from "../mapping/propose.js";
export { makePrivateDir, PRIVATE_DIR_MODE, writePrivateFile } from "../state/private-files.js";
