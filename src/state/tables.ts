// The names of the state store's tables. Its own small file so the dialect (which writes a table
// name in SQL) and the migrations (which create the tables) both depend on it and not on each
// other: imports in src/state go one way.
export const TABLES = [
  "schema_version",
  "meta",
  "pair_identity",
  "links",
  "journal",
  "conflicts",
  "tombstones",
  "runs",
  "audit",
  "run_lock",
  "skips",
  "webhook_inbox",
  "webhook_subscription",
] as const;
export type TableName = (typeof TABLES)[number];
