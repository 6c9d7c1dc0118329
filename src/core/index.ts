// src/core: canonical model, mapping schema, ports, error family, config and report schemas.
// Imports nothing of ours (an architecture test holds this).
export * from "./case.js";
export * from "./config.js";
export * from "./errors.js";
export * from "./hash.js";
export * from "./mapping.js";
export * from "./normalize.js";
export * from "./ports.js";
export * from "./records.js";
export * from "./reference.js";
export * from "./report.js";
export * from "./state.js";
export * from "./status-catalog.js";
export * from "./string-pool.js";
