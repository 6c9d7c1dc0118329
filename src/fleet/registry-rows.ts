// Rows of the registry's `pairs` table, validated as they are read (persisted state is a
// boundary too), and the summary a pair is shown as: never a secret, only its schedule and health.
import { z } from "zod";
import { CaseSyncError } from "../core/errors.js";
import { PairConnectionSchema, type PairConnection } from "./pair-env.js";
import { pairState, type PairState } from "./pair-schedule.js";
import { SealedSchema, type Sealed } from "./secrets.js";

/** What `pairs list` shows and the worker schedules by. Never a secret. */
export interface PairSummary {
  name: string;
  state: PairState;
  everyMs: number;
  consecutiveFailures: number;
  lastRunAt: string | null;
  lastExitCode: number | null;
  nextDueAt: string | null;
  createdAt: string;
  auth: "token" | "oauth";
}

/** `pairs show`: the summary, where the pair connects to, and where its state lives. Never a secret. */
export interface PairDetails extends PairSummary {
  plannrBaseUrl: string;
  plannrAccountUuid: string;
  onlyofficeBaseUrl: string;
  /** The PostgreSQL schema of the pair's state store. */
  stateSchema: string;
  hasWebhookSecret: boolean;
  /** With OAuth: when the stored access token expires (null: unknown or not OAuth). */
  tokenExpiresAt: string | null;
}

export interface PairRecord {
  summary: PairSummary;
  paused: boolean;
  connection: PairConnection;
  credentials: Sealed;
  mapping: string;
  webhookSecret: Sealed | null;
}

const timestamp = z.union([z.date(), z.string()]).transform((value) => new Date(value).toISOString());

const PairRowSchema = z.object({
  name: z.string(),
  auth: z.enum(["token", "oauth"]),
  connection: PairConnectionSchema,
  credentials: SealedSchema,
  mapping: z.string(),
  // bigint arrives as text from pg.
  every_ms: z.union([z.string(), z.number()]).transform(Number),
  paused: z.boolean(),
  consecutive_failures: z.number().int(),
  last_run_at: timestamp.nullable(),
  last_exit_code: z.number().int().nullable(),
  next_due_at: timestamp.nullable(),
  webhook_secret: SealedSchema.nullable(),
  created_at: timestamp,
});

export function decodePairRow(row: unknown): PairRecord {
  const parsed = PairRowSchema.safeParse(row);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = (row as { name?: unknown } | null)?.name;
    throw new CaseSyncError("CS_STATE", `registry: pair ${typeof name === "string" ? name : "?"} is malformed at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "invalid"}`, { field: issue?.path.join(".") });
  }
  const r = parsed.data;
  return {
    summary: {
      name: r.name,
      state: pairState(r.paused, r.consecutive_failures),
      everyMs: r.every_ms,
      consecutiveFailures: r.consecutive_failures,
      lastRunAt: r.last_run_at,
      lastExitCode: r.last_exit_code,
      nextDueAt: r.next_due_at,
      createdAt: r.created_at,
      auth: r.auth,
    },
    paused: r.paused,
    connection: r.connection,
    credentials: r.credentials,
    mapping: r.mapping,
    webhookSecret: r.webhook_secret,
  };
}
