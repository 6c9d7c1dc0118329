// A fleet embedded in a platform: pairs registered in PostgreSQL with their credentials sealed,
// a worker running their jobs in this process, and a Plannr delivery to one pair's webhook URL.
// Runs as it is against the built-in sandboxes and a PostgreSQL you can write to:
//   CASE_SYNC_STATE='postgres://user@localhost/db?schema=case_sync_example' npx tsx examples/fleet/fleet.ts
// (in your own project: import from "case-sync" and "case-sync/sandbox" instead of ../../src/…).
// It removes its pairs (and their state) at the end; the fleet's own two schemas stay.
import { createHmac, randomBytes } from "node:crypto";
import { createFleet, discoverMapping } from "../../src/index.js";
import { startSandboxes } from "../../src/sandbox/index.js";

const store = process.env.CASE_SYNC_STATE;
if (!store?.startsWith("postgres")) {
  console.error("set CASE_SYNC_STATE=postgres://user@host/db?schema=case_sync_example (a database this example may write to)");
  process.exit(2);
}
// In production the key is made once (`openssl rand -base64 32`) and kept with your secrets: every
// process of the fleet needs the same one. A fresh fleet schema takes any key; this one is new each run.
const secretKey = process.env.CASE_SYNC_SECRET_KEY ?? randomBytes(32).toString("base64");

// Two firms, each a Plannr account and an ONLYOFFICE portal (here: two pairs of sandboxes).
const firms = await Promise.all(["acme-law", "bramble-ifa"].map(async (name, i) => ({ name, sandboxes: await startSandboxes({ seed: 20 + i, cases: 6 }) })));
const fleet = await createFleet({ store, secretKey });
try {
  for (const { name, sandboxes } of firms) {
    const env = {
      PLANNR_BASE_URL: sandboxes.env.PLANNR_BASE_URL!,
      PLANNR_TOKEN: sandboxes.env.PLANNR_TOKEN!,
      PLANNR_ACCOUNT_UUID: sandboxes.env.PLANNR_ACCOUNT_UUID!,
      ONLYOFFICE_BASE_URL: sandboxes.env.ONLYOFFICE_BASE_URL!,
      ONLYOFFICE_TOKEN: sandboxes.env.ONLYOFFICE_TOKEN!,
      // Plannr signs its deliveries with the subscription's secret; the pair keeps it, sealed.
      PLANNR_WEBHOOK_SECRET: `whsec-${name}-example`,
    };
    // What `case-sync init --create-link-fields` writes, as YAML text.
    const { text } = await discoverMapping({ plannr: { baseUrl: env.PLANNR_BASE_URL, token: env.PLANNR_TOKEN, accountUuid: env.PLANNR_ACCOUNT_UUID }, onlyoffice: { baseUrl: env.ONLYOFFICE_BASE_URL, token: env.ONLYOFFICE_TOKEN }, createLinkFields: true });
    const client = sandboxes.world.clients.find((c) => c.note === "ordinary client")?.plannrUuid ?? null;
    await fleet.pairs.add({ name, env, mapping: text.replace("  defaultClient: null", `  defaultClient: ${client}`), everyMs: 60_000 });
  }

  // Port 0: any free port. A worker serves POST /webhooks/plannr/<pair>, /livez, /readyz, /metrics.
  const worker = await fleet.startWorker({ concurrency: 2, port: 0, pollMs: 500, tickMs: 500 });
  const untilSynced = async () => {
    for (;;) {
      const pairs = await fleet.pairs.list();
      if (pairs.every((p) => p.lastExitCode !== null)) return pairs;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  for (const pair of await untilSynced()) console.log(`${pair.name}: first sync exit ${pair.lastExitCode}, next due ${pair.nextDueAt}`);

  // A person renames a case in acme-law's Plannr; Plannr tells the fleet at that pair's URL.
  const acme = firms[0]!.sandboxes;
  const [renamed] = acme.plannr.listCases();
  acme.plannr.editCase(renamed!.uuid, { name: "Estate planning – renamed in Plannr" });
  const body = JSON.stringify({ event: "case.updated", uuid: renamed!.uuid });
  const signature = createHmac("sha256", "whsec-acme-law-example").update(body).digest("hex");
  const answer = await fetch(`${worker.url}/webhooks/plannr/acme-law`, { method: "POST", headers: { "content-type": "application/json", "x-signature": signature }, body });
  console.log(`delivery to /webhooks/plannr/acme-law: HTTP ${answer.status}`);
  for (;;) {
    if (acme.onlyoffice.listCases().some((c) => c.title === "Estate planning – renamed in Plannr")) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log("the renamed case reached acme-law's ONLYOFFICE");
  const metrics = await (await fetch(`${worker.url}/metrics`)).text();
  console.log(metrics.split("\n").filter((l) => l.startsWith("casesync_runs_total")).join("\n"));

  await worker.close(); // what SIGTERM does to `case-sync worker`: finish the jobs in hand, stop
  for (const { name } of firms) await fleet.pairs.remove(name);
} finally {
  await fleet.close();
  await Promise.all(firms.map((f) => f.sandboxes.close()));
}
