// The fleet's registry (SPEC §10): every pair's name, connection settings, mapping and schedule,
// in the fleet schema of PostgreSQL. Credentials, OAuth token sets and webhook secrets are sealed
// (secrets.ts) before they reach the database; base URLs, the account uuid and the mapping are
// stored in clear so a pair can be shown without opening anything. Each pair's sync state lives
// in a schema of its own (pair-names.ts), through the library's unchanged Postgres store.
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/ports.js";
import { createSync, type CaseSync } from "../library/create-sync.js";
import type { CreateSyncOptions } from "../library/options.js";
import { parseMapping } from "../mapping/load.js";
import { registerSecret } from "../transport/redact.js";
import { createOAuthTokenProvider, tokenContext } from "./oauth.js";
import { parsePairEnv, PairCredentialsSchema, type PairCredentials } from "./pair-env.js";
import { bossSchema, checkPairName, fleetLocation, pairSchema, withSchema, type FleetLocation } from "./pair-names.js";
import { afterRun, type RunOutcome } from "./pair-schedule.js";
import { RegistryDatabase, type Queryable } from "./registry-db.js";
import { decodePairRow, type PairDetails, type PairRecord, type PairSummary } from "./registry-rows.js";
import { migrateRegistry } from "./registry-schema.js";
import { createSecretBox, SealedSchema, type Sealed, type SecretBox } from "./secrets.js";

export type { PairDetails, PairSummary } from "./registry-rows.js";

/** Shortest and longest schedule: a fleet of hundreds must not be run hot, nor forgotten. */
export const MIN_EVERY_MS = 1_000;
export const MAX_EVERY_MS = 30 * 24 * 60 * 60 * 1000;

export interface PairInput {
  name: string;
  /** The pair's connection variables (SPEC §6), or an OAuth token set in place of PLANNR_TOKEN. */
  env: Record<string, string>;
  /** The mapping as YAML text; refused with the parser's `source:line path: problem` errors. */
  mapping: string;
  everyMs: number;
  /** Names the mapping in errors (the CLI passes the file's path); default `mapping of pair <name>`. */
  mappingSource?: string;
}

/** What `openSync` passes on to `createSync` besides the pair's own settings. */
export type OpenSyncOptions = Pick<CreateSyncOptions, "logger" | "onProgress" | "http" | "allowInsecureHttp" | "plannrRateLimit">;

const PairInputSchema = z
  .object({
    name: z.string({ error: "must be text" }),
    env: z.record(z.string(), z.unknown(), { error: "must be an object of variable names to values" }),
    mapping: z.string({ error: "must be the mapping's YAML text" }),
    everyMs: z.number({ error: "must be a number of milliseconds" }).int({ error: "must be a whole number of milliseconds" }).min(MIN_EVERY_MS, { error: `must be at least ${MIN_EVERY_MS} ms` }).max(MAX_EVERY_MS, { error: "must be at most 30 days" }),
    mappingSource: z.string().optional(),
  })
  .strict();

const KEY_CHECK_TEXT = "case-sync fleet key check";
const KEY_CHECK_CONTEXT = "fleet key check";
const credentialsContext = (name: string) => `pair ${name} credentials`;
const webhookContext = (name: string) => `pair ${name} webhook secret`;

function noSuchPair(name: string): CaseSyncError {
  return new CaseSyncError("CS_USAGE", `no pair named ${name} (case-sync pairs list shows them)`, { field: "name" });
}

export class PairRegistry {
  private box: SecretBox;

  private constructor(
    private readonly location: FleetLocation,
    private readonly db: RegistryDatabase,
    box: SecretBox,
    private readonly logger: Logger,
  ) {
    this.box = box;
  }

  /**
   * Connects, creates or migrates the registry's tables, and checks the key: a key other than the
   * one the fleet's credentials are sealed with is refused here, before anything runs.
   */
  static async open(options: { url: string; secretKey: string; logger?: Logger }): Promise<PairRegistry> {
    if (typeof options !== "object" || options === null) throw new CaseSyncError("CS_CONFIG", "PairRegistry.open needs { url, secretKey }");
    const location = fleetLocation(options.url);
    if (typeof options.secretKey !== "string" || options.secretKey.trim() === "") {
      throw new CaseSyncError("CS_CONFIG", "the fleet needs CASE_SYNC_SECRET_KEY (32 random bytes in base64; make one with: openssl rand -base64 32): it seals the pairs' credentials", { field: "CASE_SYNC_SECRET_KEY" });
    }
    const box = createSecretBox(options.secretKey);
    const db = new RegistryDatabase(location.url, location.schema);
    try {
      await migrateRegistry(db);
      await db.transaction(async (client) => {
        const [row] = await db.query<{ sealed: unknown }>(`SELECT sealed FROM ${db.table("key_check")} WHERE id = 1 FOR UPDATE`, [], client);
        if (row === undefined) {
          await db.query(`INSERT INTO ${db.table("key_check")} (id, sealed) VALUES (1, $1)`, [JSON.stringify(box.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT))], client);
        } else {
          box.open(SealedSchema.parse(row.sealed), KEY_CHECK_CONTEXT);
        }
      });
    } catch (error) {
      await db.close();
      throw error;
    }
    return new PairRegistry(location, db, box, options.logger ?? silentLogger);
  }

  /** The registry's schema (CASE_SYNC_STATE's `?schema=`, default `case_sync_fleet`). */
  get schema(): string {
    return this.location.schema;
  }

  /** Where pg-boss keeps the fleet's jobs: `<fleet>_boss`. */
  get bossSchema(): string {
    return bossSchema(this.location.schema);
  }

  /** The database URL the registry was opened with (it may hold a password: never print it). */
  get url(): string {
    return this.location.url;
  }

  /** The schema of a pair's state store: `<fleet>_p_<name with - as _>`. */
  stateSchema(name: string): string {
    return pairSchema(this.location.schema, name);
  }

  /** Registers a pair, due at once. Its env and mapping are validated first; its credentials are sealed. */
  async add(input: PairInput): Promise<PairSummary> {
    const parsed = PairInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "input";
      throw new CaseSyncError("CS_USAGE", `pairs.add: ${field}: ${issue?.message ?? "invalid"}`, { field });
    }
    const name = checkPairName(parsed.data.name);
    const env = parsePairEnv(parsed.data.env, `env of pair ${name}`);
    parseMapping(parsed.data.mapping, parsed.data.mappingSource ?? `mapping of pair ${name}`);
    const now = new Date().toISOString();
    const row = await this.db.transaction(async (client) => {
      const [inserted] = await this.db.query(
        `INSERT INTO ${this.db.table("pairs")} (name, auth, connection, credentials, mapping, every_ms, next_due_at, webhook_secret, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) ON CONFLICT (name) DO NOTHING RETURNING *`,
        [
          name,
          env.auth,
          JSON.stringify(env.connection),
          JSON.stringify(this.box.seal(JSON.stringify(env.credentials), credentialsContext(name))),
          parsed.data.mapping,
          parsed.data.everyMs,
          now,
          env.webhookSecret === null ? null : JSON.stringify(this.box.seal(env.webhookSecret, webhookContext(name))),
        ],
        client,
      );
      if (inserted === undefined) throw new CaseSyncError("CS_USAGE", `a pair named ${name} exists already (case-sync pairs show ${name}; remove it first to register it again)`, { field: "name" });
      if (env.tokens !== null) {
        await this.db.query(
          `INSERT INTO ${this.db.table("pair_tokens")} (pair, sealed, expires_at) VALUES ($1, $2, $3)`,
          [name, JSON.stringify(this.box.seal(JSON.stringify(env.tokens.set), tokenContext(name))), env.tokens.expiresAt],
          client,
        );
      }
      return inserted;
    });
    this.logger.info({ pair: name, auth: env.auth, everyMs: parsed.data.everyMs }, "pair registered");
    return decodePairRow(row).summary;
  }

  async list(): Promise<PairSummary[]> {
    const rows = await this.db.query(`SELECT * FROM ${this.db.table("pairs")} ORDER BY name`);
    return rows.map((row) => decodePairRow(row).summary);
  }

  async get(name: string): Promise<PairSummary | null> {
    return (await this.record(name))?.summary ?? null;
  }

  /** The summary, where the pair connects to and where its state lives; null for an unknown name. */
  async show(name: string): Promise<PairDetails | null> {
    const record = await this.record(name);
    if (record === null) return null;
    const [token] = await this.db.query<{ expires_at: Date | null }>(`SELECT expires_at FROM ${this.db.table("pair_tokens")} WHERE pair = $1`, [name]);
    return {
      ...record.summary,
      plannrBaseUrl: record.connection.plannrBaseUrl,
      plannrAccountUuid: record.connection.plannrAccountUuid,
      onlyofficeBaseUrl: record.connection.onlyofficeBaseUrl,
      stateSchema: this.stateSchema(name),
      hasWebhookSecret: record.webhookSecret !== null,
      tokenExpiresAt: token?.expires_at ? new Date(token.expires_at).toISOString() : null,
    };
  }

  /** Unregisters a pair and drops its state schema (links, journal, audit…), in one transaction. */
  async remove(name: string): Promise<void> {
    checkPairName(name);
    await this.db.transaction(async (client) => {
      const deleted = await this.db.query(`DELETE FROM ${this.db.table("pairs")} WHERE name = $1 RETURNING name`, [name], client);
      if (deleted.length === 0) throw noSuchPair(name);
      await client.query(`DROP SCHEMA IF EXISTS "${this.stateSchema(name)}" CASCADE`);
    });
    this.logger.info({ pair: name }, "pair removed, with its state");
  }

  /** Takes the pair off the schedule (its jobs stop being due); commands with --pair still work. */
  async pause(name: string): Promise<void> {
    await this.update(name, "paused = true");
  }

  /** Back on the schedule, due now, its failure count cleared (the operator says it is fixed). */
  async resume(name: string): Promise<void> {
    await this.update(name, "paused = false, consecutive_failures = 0, next_due_at = now()");
  }

  /**
   * Re-seals every credential, token set and webhook secret under a new key, in one transaction
   * (rows locked: an OAuth refresh waits for it). Afterwards this registry uses the new key; every
   * other process must be restarted with it (the old key is refused, clearly).
   */
  async rekey(newKeyBase64: string): Promise<{ pairs: number }> {
    const next = createSecretBox(newKeyBase64, "CASE_SYNC_NEW_SECRET_KEY");
    if (next.keyId === this.box.keyId) throw new CaseSyncError("CS_USAGE", `the new key is the current key (key id ${next.keyId}): make a new one with openssl rand -base64 32`, { field: "CASE_SYNC_NEW_SECRET_KEY" });
    const old = this.box;
    const count = await this.db.transaction(async (client) => {
      await this.db.query(`SELECT id FROM ${this.db.table("key_check")} FOR UPDATE`, [], client);
      const pairs = await this.db.query(`SELECT * FROM ${this.db.table("pairs")} ORDER BY name FOR UPDATE`, [], client);
      const tokens = await this.db.query<{ pair: string; sealed: Sealed }>(`SELECT pair, sealed FROM ${this.db.table("pair_tokens")} ORDER BY pair FOR UPDATE`, [], client);
      const reseal = (sealed: Sealed, context: string) => JSON.stringify(next.seal(old.open(sealed, context), context));
      for (const row of pairs) {
        const record = decodePairRow(row);
        const name = record.summary.name;
        await this.db.query(
          `UPDATE ${this.db.table("pairs")} SET credentials = $2, webhook_secret = $3 WHERE name = $1`,
          [name, reseal(record.credentials, credentialsContext(name)), record.webhookSecret === null ? null : reseal(record.webhookSecret, webhookContext(name))],
          client,
        );
      }
      for (const token of tokens) {
        await this.db.query(`UPDATE ${this.db.table("pair_tokens")} SET sealed = $2 WHERE pair = $1`, [token.pair, reseal(SealedSchema.parse(token.sealed), tokenContext(token.pair))], client);
      }
      await this.db.query(`UPDATE ${this.db.table("key_check")} SET sealed = $1 WHERE id = 1`, [JSON.stringify(next.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT))], client);
      return pairs.length;
    });
    this.box = next;
    this.logger.info({ pairs: count, keyId: next.keyId }, "re-sealed the fleet's credentials under a new key");
    return { pairs: count };
  }

  /**
   * The library for one pair: its credentials opened, its mapping, its own state schema and, for
   * an OAuth pair, a token provider that refreshes once across workers. Close the sync before the
   * registry (the provider uses the registry's connection).
   */
  async openSync(name: string, options: OpenSyncOptions = {}): Promise<CaseSync> {
    const record = await this.record(name);
    if (record === null) throw noSuchPair(name);
    const credentials = this.credentials(record);
    const { connection } = record;
    const logger = options.logger ?? this.logger;
    const token =
      record.summary.auth === "oauth"
        ? createOAuthTokenProvider({
            db: this.db,
            box: () => this.box,
            pair: name,
            baseUrl: connection.plannrBaseUrl,
            clientId: credentials.oauthClientId ?? "",
            clientSecret: credentials.oauthClientSecret ?? "",
            logger: logger.child({ pair: name }),
            ...(options.http?.timeoutMs === undefined ? {} : { timeoutMs: options.http.timeoutMs }),
          })
        : (credentials.plannrToken ?? "");
    return createSync({
      ...options,
      logger,
      plannr: { baseUrl: connection.plannrBaseUrl, token, accountUuid: connection.plannrAccountUuid },
      onlyoffice: {
        baseUrl: connection.onlyofficeBaseUrl,
        ...(credentials.onlyofficeToken === undefined ? {} : { token: credentials.onlyofficeToken }),
        ...(credentials.onlyofficeUsername === undefined ? {} : { username: credentials.onlyofficeUsername }),
        ...(credentials.onlyofficePassword === undefined ? {} : { password: credentials.onlyofficePassword }),
      },
      mapping: parseMapping(record.mapping, `mapping of pair ${name}`),
      store: withSchema(this.location.url, this.stateSchema(name)),
    });
  }

  /** The pair's Plannr webhook signing secret, or null when none is set. */
  async webhookSecret(name: string): Promise<string | null> {
    const record = await this.record(name);
    if (record === null) throw noSuchPair(name);
    if (record.webhookSecret === null) return null;
    const secret = this.box.open(record.webhookSecret, webhookContext(name));
    registerSecret(secret);
    return secret;
  }

  async setWebhookSecret(name: string, secret: string | null): Promise<void> {
    if (secret !== null && (typeof secret !== "string" || secret.trim() === "")) throw new CaseSyncError("CS_USAGE", "setWebhookSecret: the secret must be non-empty text, or null to clear it", { field: "secret" });
    checkPairName(name);
    const sealed = secret === null ? null : JSON.stringify(this.box.seal(secret, webhookContext(name)));
    const rows = await this.db.query(`UPDATE ${this.db.table("pairs")} SET webhook_secret = $2 WHERE name = $1 RETURNING name`, [name, sealed]);
    if (rows.length === 0) throw noSuchPair(name);
  }

  /**
   * Records how a run of the pair ended: exit 0 or 3 clears its failures; 1, 2 or 4 counts one
   * (state "failing" after 3 in a row) and backs its next run off (pair-schedule.ts); 5 (skipped,
   * locked) changes nothing but the time.
   */
  async recordOutcome(name: string, outcome: RunOutcome): Promise<PairSummary> {
    checkPairName(name);
    const row = await this.db.transaction(async (client) => {
      const [current] = await this.db.query(`SELECT * FROM ${this.db.table("pairs")} WHERE name = $1 FOR UPDATE`, [name], client);
      if (current === undefined) throw noSuchPair(name);
      const { summary } = decodePairRow(current);
      const next = afterRun(summary, outcome);
      const [updated] = await this.db.query(
        `UPDATE ${this.db.table("pairs")} SET last_run_at = $2, last_exit_code = $3, consecutive_failures = $4, next_due_at = $5 WHERE name = $1 RETURNING *`,
        [name, new Date(outcome.finishedAt).toISOString(), outcome.exitCode, next.consecutiveFailures, next.nextDueAt],
        client,
      );
      return updated;
    });
    return decodePairRow(row).summary;
  }

  /** Names of the pairs due at `now` (active or failing, not paused), most overdue first. */
  async duePairs(now: Date): Promise<string[]> {
    const rows = await this.db.query<{ name: string }>(`SELECT name FROM ${this.db.table("pairs")} WHERE NOT paused AND next_due_at <= $1 ORDER BY next_due_at, name`, [now.toISOString()]);
    return rows.map((row) => row.name);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private async record(name: string, on?: Queryable): Promise<PairRecord | null> {
    checkPairName(name);
    const [row] = await this.db.query(`SELECT * FROM ${this.db.table("pairs")} WHERE name = $1`, [name], on);
    return row === undefined ? null : decodePairRow(row);
  }

  private credentials(record: PairRecord): PairCredentials {
    const text = this.box.open(record.credentials, credentialsContext(record.summary.name));
    const parsed = PairCredentialsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new CaseSyncError("CS_STATE", `registry: the credentials of pair ${record.summary.name} are malformed`, { field: "credentials" });
    return parsed.data;
  }

  private async update(name: string, set: string): Promise<void> {
    checkPairName(name);
    const rows = await this.db.query(`UPDATE ${this.db.table("pairs")} SET ${set} WHERE name = $1 RETURNING name`, [name]);
    if (rows.length === 0) throw noSuchPair(name);
  }
}
