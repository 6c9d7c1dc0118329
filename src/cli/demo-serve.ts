// The demo's last act: `case-sync serve` in this process against the sandboxes. It subscribes to
// the Plannr sandbox's webhooks with its own address as the public URL, then one edit in each
// "UI" crosses on its own: the Plannr one through a signed delivery and a targeted sync, the
// ONLYOFFICE one through the scan tick (every 2 s here, 30 s by default). Times are narrated as
// measured; the act fails only when an edit has not crossed after DEADLINE_MS.
import { CaseSyncError } from "../core/errors.js";
import type { Logger } from "../core/ports.js";
import type { CaseSync } from "../library/create-sync.js";
import type { Sandboxes } from "../sandbox/index.js";
import { startService } from "../service/service.js";
import { WEBHOOK_PATH } from "../service/subscription.js";
import { freePort } from "./free-port.js";

const SCAN_INTERVAL_MS = 2_000;
const DEADLINE_MS = 20_000;

/** Milliseconds until `check` holds (polled), or a demo failure naming `what`. */
async function crossing(what: string, check: () => boolean | Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > DEADLINE_MS) throw new CaseSyncError("CS_INTERNAL", `demo: ${what} did not happen within ${DEADLINE_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - start;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function serveAct(s: Sandboxes, sync: CaseSync, say: (text: string) => void, logger: Logger, step: number): Promise<void> {
  const links = await sync.store.listLinks({ bases: false });
  const [first, second] = links.slice(-2);
  if (!first || !second) throw new CaseSyncError("CS_INTERNAL", "the demo needs two linked cases for its serve act");
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  say(`${step}. serve: the near-real-time service (case-sync serve --public-url ${publicUrl} --scan-interval 2s)`);
  const service = await startService(sync, { port, publicUrl, scanIntervalMs: SCAN_INTERVAL_MS, logger });
  try {
    say(`   subscribed: Plannr now signs a delivery to ${publicUrl}${WEBHOOK_PATH} for every case change`);
    await crossing("the service's first reconcile", () => fetch(`${publicUrl}/readyz`).then((r) => r.status === 200, () => false));

    const plannrCase = s.plannr.getCase(first.plannrId);
    const plannrTitle = `${plannrCase?.name ?? "Case"} (edited while serving)`;
    s.plannr.editCase(first.plannrId, { name: plannrTitle });
    const toOnlyoffice = await crossing("the Plannr edit reaching ONLYOFFICE", () => s.onlyoffice.getCase(Number(first.onlyofficeId))?.title === plannrTitle);
    say(`   Plannr UI: renamed case ${first.plannrId} → in ONLYOFFICE after ${seconds(toOnlyoffice)} (a webhook, one targeted sync)`);

    const onlyofficeTitle = `${s.onlyoffice.getCase(Number(second.onlyofficeId))?.title ?? "Case"} (edited in ONLYOFFICE while serving)`;
    s.onlyoffice.editCase(Number(second.onlyofficeId), { title: onlyofficeTitle });
    const toPlannr = await crossing("the ONLYOFFICE edit reaching Plannr", () => s.plannr.getCase(second.plannrId)?.name === onlyofficeTitle);
    say(`   ONLYOFFICE UI: renamed case ${second.onlyofficeId} → in Plannr after ${seconds(toPlannr)} (ONLYOFFICE has no webhooks: the scan tick every ${SCAN_INTERVAL_MS / 1000} s found it)`);
    // Our own write to Plannr comes back as a delivery: let it settle (one read, no write) before stopping.
    await s.plannr.webhooks.idle();
    await service.drainOnce();
  } finally {
    await service.close();
  }
  say("   stopped cleanly (as on SIGTERM): new deliveries get 503, the sync in hand finishes, the lock is released");
}
