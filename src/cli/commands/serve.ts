// `case-sync serve` (SPEC §9): the near-real-time service, until SIGTERM or Ctrl-C, which close it
// gracefully (new deliveries 503, the engine call in hand finishes, the lock is released) and exit
// 0. A second signal quits at once. The service itself lives in src/service.
import type { Command } from "commander";
import { startService, type ServiceHandle } from "../../service/service.js";
import { WEBHOOK_PATH } from "../../service/subscription.js";
import { wholeNumber } from "../arguments.js";
import type { Cli, GlobalOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { parseDuration } from "./run-commands.js";

interface ServeFlags {
  port: number;
  host: string;
  publicUrl?: string;
  subscribe: boolean;
  scanInterval: string;
  reconcileInterval: string;
}

/** Resolves at the first SIGTERM or SIGINT; a second one quits at once (exit 130). */
function stopRequested(): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = (signal: string) => {
      if (seen) process.exit(130);
      seen = true;
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

export function registerServe(program: Command, cli: () => Cli, done: (code: number) => void): void {
  program
    .command("serve")
    .description("Keep both sides in step within seconds: Plannr webhooks, an ONLYOFFICE scan every --scan-interval, a full sync every --reconcile-interval")
    .option("--port <port>", "HTTP port (0: any free port)", (v) => wholeNumber(v, "--port"), 8080)
    .option("--host <host>", "address to listen on (0.0.0.0 in a container or behind a proxy)", "127.0.0.1")
    .option("--public-url <url>", `where Plannr reaches this service: keeps one Plannr subscription at <url>${WEBHOOK_PATH}`)
    .option("--no-subscribe", "leave Plannr's subscriptions alone; check deliveries with PLANNR_WEBHOOK_SECRET")
    .option("--scan-interval <duration>", "time between ONLYOFFICE scans: 10s, 30s, 1m", "30s")
    .option("--reconcile-interval <duration>", "time between full syncs (the safety net): 30m, 1h, 6h", "1h")
    .addHelpText(
      "after",
      `\nEndpoints: POST ${WEBHOOK_PATH} (Plannr deliveries, signed), GET /livez, GET /readyz, GET /metrics (Prometheus).\n\nExamples:\n  case-sync serve --public-url https://sync.example.com           # subscribes, keeps one subscription\n  PLANNR_WEBHOOK_SECRET=... case-sync serve --no-subscribe        # a subscription made by hand\n  case-sync serve --host 0.0.0.0 --port 8080 --scan-interval 10s\n\nA \`case-sync sync\` beside it exits 5 while the service applies (or waits, with --wait). SIGTERM stops it cleanly (exit 0).`,
    )
    .action(async (options: ServeFlags, command: Command) => {
      const c = cli();
      const scanIntervalMs = parseDuration(options.scanInterval, "--scan-interval");
      const reconcileIntervalMs = parseDuration(options.reconcileInterval, "--reconcile-interval");
      const { sync } = c.open(command.optsWithGlobals<GlobalOptions>());
      const stop = stopRequested();
      let handle: ServiceHandle | null = null;
      try {
        handle = await startService(sync, {
          port: options.port,
          host: options.host,
          subscribe: options.subscribe,
          scanIntervalMs,
          reconcileIntervalMs,
          logger: c.logger,
          ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
          ...(c.env.PLANNR_WEBHOOK_SECRET ? { webhookSecret: c.env.PLANNR_WEBHOOK_SECRET } : {}),
        });
        c.say(`case-sync serve: listening on ${handle.url ?? "?"} (POST ${WEBHOOK_PATH}, GET /livez /readyz /metrics); scan every ${options.scanInterval}, reconcile every ${options.reconcileInterval}. Ctrl-C or SIGTERM stops it.`);
        const signal = await stop;
        c.say(`${signal}: stopping (deliveries now get 503; the sync in hand finishes, then the lock is released)`);
        await handle.close();
        c.say("stopped.");
      } finally {
        await handle?.close();
        await sync.close();
      }
      done(EXIT.ok);
    });
}
