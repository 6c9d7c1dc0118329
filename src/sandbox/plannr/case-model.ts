// The shapes of the Plannr simulator's cases, on their own so that the store (state.ts) and the
// modules it uses (case-rules.ts, ordering.ts) import them from one place instead of from each
// other: imports run one way, state → rules/ordering → case-model.
import type { FieldValue } from "./custom-fields.js";

export interface SimPlannrCase {
  uuid: string;
  name: string;
  slug: string;
  statusUuid: string;
  /** The case's place in its status column (kanban), from 1. */
  statusPosition: number;
  typeUuid: string | null;
  participantUuids: string[];
  assignedToUuids: string[];
  groupUuids: string[];
  planUuids: string[];
  /** Timestamps as Plannr prints them (UK offset, seconds). */
  reviewAt: string | null;
  /** Integer pennies; the currency is always the firm's (GBP). */
  value: number | null;
  completedAt: string | null;
  createdAt: string;
  updatedAt: string;
  taskBoardUuid: string;
  /** Set values only, keyed by the field's reference (unset fields are absent). */
  customFields: Record<string, FieldValue>;
}

/** A partial update; absent keys stay as they are. Custom field values arrive raw and are coerced. */
export interface CaseChanges {
  name?: string;
  statusUuid?: string;
  statusPosition?: number;
  typeUuid?: string | null;
  assignedToUuids?: string[];
  groupUuids?: string[];
  planUuids?: string[];
  reviewAt?: string | null;
  value?: number | null;
  completedAt?: string | null;
  customFields?: Record<string, unknown>;
}

export interface NewCase extends Omit<CaseChanges, "name" | "completedAt"> {
  name: string;
  participantUuids: string[];
}

/** The webhook events a stored case change fires (reference "Webhooks (v2)"). */
export type CaseEventName = "case.created" | "case.updated" | "case.deleted";

/** One stored change: the case as it is now (for a delete, as it was). */
export interface CaseChange {
  event: CaseEventName;
  item: SimPlannrCase;
}
