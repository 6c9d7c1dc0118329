// One case-sync "process" as the model-based suite runs it: the real adapters over HTTP, a SQLite
// state file, and the real engine (`runEngine`, with the suite's virtual clock and concurrency 1
// so that a seed replays the same requests in the same order). Link, unlink and conflict decisions
// go through the library face (`createSync`) exactly as an embedding platform calls them. A
// process that "died" (model-kill.ts) is closed and a new one is started on the same state file.
import { createOnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { createPlannrAdapter } from "../../adapters/plannr/adapter.js";
import type { Mapping } from "../../src/core/mapping.js";
import type { CrmAdapter } from "../../src/core/ports.js";
import type { RunReport } from "../../src/core/report.js";
import type { Conflict, Link } from "../../src/core/state.js";
import { runEngine, type ReferenceCache } from "../../src/engine/run.js";
import type { Targets } from "../../src/engine/targeted.js";
import { createSync, type CaseSync } from "../../src/library/create-sync.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";
import { SqliteStateStore } from "../../src/state/sqlite.js";
import type { VirtualClock } from "./model-clock.js";
import { KillSwitch, type KillPlan } from "./model-kill.js";
import type { ModelSandbox } from "./model-world.js";

/** Retries as the profiles decide them, without real backoff (the suite must not sleep). */
const FAST_RETRY = { retries: 4, minDelayMs: 1, maxDelayMs: 4 };

export interface SyncOutcome {
  /** Null when the process died before the run could report. */
  report: RunReport | null;
  /** The kill plan acted (an abort or a crash). */
  killed: boolean;
  crashed: boolean;
}

export interface ProcessConfig {
  sandbox: ModelSandbox;
  statePath: string;
  clock: VirtualClock;
  mapping: Mapping;
}

export class CaseSyncProcess {
  private readonly store: SqliteStateStore;
  private readonly plannr: CrmAdapter & { close?: () => void };
  private readonly onlyoffice: CrmAdapter & { close?: () => void };
  private readonly admin: CaseSync;

  private constructor(private readonly config: ProcessConfig) {
    const { sandbox, mapping } = config;
    // A lock left by a "killed" run of this same test process is the lock of a dead process.
    this.store = new SqliteStateStore(config.statePath, { clock: config.clock, isAlive: () => false });
    // One request at a time per side: requests reach each simulator in the same order on every
    // replay, so a fault armed for "the third GET" always hits the same request.
    const http = { timeoutMs: 10_000, concurrency: 1 };
    this.plannr = createPlannrAdapter({
      connection: parsePlannrConnection({ baseUrl: sandbox.plannrUrl, token: sandbox.world.plannrToken, accountUuid: sandbox.world.plannrAccountUuid }),
      mapping,
      http,
      retry: FAST_RETRY,
      rateLimit: { limit: 1_000_000, windowMs: 60_000 },
    });
    this.onlyoffice = createOnlyofficeAdapter({
      connection: parseOnlyofficeConnection({ baseUrl: sandbox.onlyofficeUrl, token: sandbox.world.onlyofficeToken }),
      mapping,
      http,
      retry: FAST_RETRY,
    });
    this.admin = createSync({ plannr: this.plannr, onlyoffice: this.onlyoffice, mapping, store: this.store });
  }

  static async start(config: ProcessConfig): Promise<CaseSyncProcess> {
    const process = new CaseSyncProcess(config);
    await process.store.init();
    return process;
  }

  /** The reference lists of this process's last run, as the service keeps them between runs. */
  private readonly references: ReferenceCache = { plannr: null, onlyoffice: null };

  /** A full sync, or with `targets` the service's targeted sync of a few pairs (SPEC §9). */
  async sync(kill: KillPlan | null, targets?: Targets): Promise<SyncOutcome> {
    const killer = new KillSwitch(kill);
    const deps = {
      plannr: killer.wrapAdapter(this.plannr),
      onlyoffice: killer.wrapAdapter(this.onlyoffice),
      store: killer.wrapStore(this.store),
      mapping: this.config.mapping,
      clock: this.config.clock,
      concurrency: 1,
      references: this.references,
    };
    const mode = { kind: "sync", dryRun: false, allowMassDelete: false, allowMassCreate: false, ...(targets ? { targets } : {}) } as const;
    const run = runEngine(deps, mode, killer.controller.signal);
    const report = await Promise.race([run, killer.died.then(() => null)]);
    if (report === null) {
      // Let whatever the dead run had in flight reach its next (hanging) call.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { report, killed: killer.happened, crashed: killer.isCrashed };
  }

  link(plannrId: string, onlyofficeId: string): Promise<Link> {
    return this.admin.link(plannrId, onlyofficeId);
  }

  unlink(plannrId: string): Promise<Link> {
    return this.admin.unlink(plannrId);
  }

  resolve(id: string, take: "plannr" | "onlyoffice" | "base"): Promise<void> {
    return this.admin.conflicts.resolve(id, take);
  }

  pendingConflicts(): Promise<Conflict[]> {
    return this.store.listConflicts({ status: "pending" });
  }

  links(): Promise<Link[]> {
    return this.store.listLinks({ bases: false });
  }

  async close(): Promise<void> {
    this.plannr.close?.();
    this.onlyoffice.close?.();
    await this.store.close();
  }
}
