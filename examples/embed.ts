// Embedding case-sync in an integration platform: bring your own state store, logger and HTTP
// settings. Runs as it is against the built-in sandboxes:  npx tsx examples/embed.ts
// (in your own project: import from "case-sync" and "case-sync/sandbox" instead of ../src/…).
import pino from "pino";
import { createSync, discoverMapping, openStateStore, parseMapping } from "../src/index.js";
import { startSandboxes } from "../src/sandbox/index.js";

const sandboxes = await startSandboxes({ seed: 3, cases: 12 });
const { env } = sandboxes;
const plannr = { baseUrl: env.PLANNR_BASE_URL!, token: env.PLANNR_TOKEN!, accountUuid: env.PLANNR_ACCOUNT_UUID! };
const onlyoffice = { baseUrl: env.ONLYOFFICE_BASE_URL!, username: env.ONLYOFFICE_USERNAME!, password: env.ONLYOFFICE_PASSWORD! };

// What `case-sync init --create-link-fields` does: match both systems and write a mapping.
const discovered = await discoverMapping({ plannr, onlyoffice, createLinkFields: true, logger: pino({ level: "warn" }) });
const mapping = parseMapping(discovered.text);
// Plannr needs a client on every case: this one goes on copies whose client cannot be matched.
mapping.people.defaultClient = sandboxes.world.clients[0]!.plannrUuid;

const sync = createSync({
  plannr,
  onlyoffice,
  mapping, // an object (validated like a file), or the path of a YAML mapping
  store: openStateStore(":memory:"), // or a file path, a postgres:// URL, or your own StateStore
  logger: pino({ level: "warn" }),
  http: { timeoutMs: 15_000, concurrency: 4 },
  onProgress: (event) => {
    if (event.phase === "apply" && event.done === event.total) console.log(`wrote ${event.done} records`);
  },
});

try {
  const migration = await sync.migrate({ from: "plannr" });
  console.log(`migrated: ${migration.sides.onlyoffice.creates} cases, exit ${migration.exitCode}`);
  const report = await sync.sync({ allowMassCreate: true });
  console.log(`synced: ${report.links.total} pairs, ${report.conflicts.length} conflicts, exit ${report.exitCode}`);
  for (const error of report.errors) console.log(`  ${error.side} ${error.record} ${error.field}: ${error.message}`);
  const again = await sync.sync();
  console.log(`second sync wrote ${Object.values(again.sides.onlyoffice.operations).reduce((a, b) => a + b, 0)} times to ONLYOFFICE`);
  process.exitCode = again.exitCode;
} finally {
  await sync.close();
  await sandboxes.close();
}
