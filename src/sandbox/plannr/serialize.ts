// State → JSON exactly as Plannr shapes it (reference "Cases", seeds 002/003 with the generated-docs
// artefacts corrected: `participants` and `plans` are arrays, money is `{amount: "4000", currency:
// "GBP", formatted: "£40.00"}`). `include=custom_fields` lists every case field definition of the
// firm, `value: null` where unset [D].
import type { WorldPlannrField, WorldStatus } from "../world.js";
import { CATALOG_TIMESTAMP, FIRM_NAME, type PlannrCatalog, type SimAccount } from "./catalog.js";
import type { SimPlannrCase } from "./case-model.js";

export const CASE_INCLUDES = ["participants", "custom_fields", "plans"] as const;
export type CaseInclude = (typeof CASE_INCLUDES)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Pennies → `£1,234.50` (money is integer minor units; the firm's currency is GBP). */
export function formatPounds(pennies: number): string {
  const sign = pennies < 0 ? "-" : "";
  const abs = Math.abs(pennies);
  const pounds = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, "0")}`;
}

export function serializeMoney(pennies: number | null): Json {
  if (pennies === null) return null;
  return { amount: String(pennies), currency: "GBP", formatted: formatPounds(pennies) };
}

export function serializeStatus(status: WorldStatus): Json {
  return {
    uuid: status.uuid,
    name: status.name,
    colour: status.colour,
    position: status.position,
    is_type_completed: status.is_type_completed,
    created_at: CATALOG_TIMESTAMP,
    updated_at: CATALOG_TIMESTAMP,
  };
}

export function serializeAccount(account: SimAccount): Json {
  return {
    uuid: account.uuid,
    created_at: CATALOG_TIMESTAMP,
    updated_at: CATALOG_TIMESTAMP,
    type: account.type,
    role: account.role,
    first_name: account.firstName,
    last_name: account.lastName,
    name: `${account.firstName} ${account.lastName}`,
    email: account.email,
    primary_email: account.email,
  };
}

export function serializeFieldDefinition(field: WorldPlannrField): Json {
  return {
    uuid: field.uuid,
    created_at: CATALOG_TIMESTAMP,
    updated_at: CATALOG_TIMESTAMP,
    type: field.type,
    name: field.name,
    reference: field.reference,
    is_required: false,
    model_type: "case",
    selection_options: [...field.selection_options],
    help_text: field.help_text,
    position: field.position,
    conditions: field.conditions.map((c) => ({ attribute: c.attribute, values: [...c.values] })),
  };
}

export function serializeLogin(loginUuid: string, catalog: PlannrCatalog): Json {
  return { uuid: loginUuid, account: { uuid: catalog.accountUuid, name: FIRM_NAME } };
}

export function serializeCase(item: SimPlannrCase, catalog: PlannrCatalog, includes: ReadonlySet<CaseInclude>): { [key: string]: Json } {
  const status = catalog.status(item.statusUuid);
  const type = item.typeUuid === null ? undefined : catalog.type(item.typeUuid);
  const out: { [key: string]: Json } = {
    uuid: item.uuid,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    name: item.name,
    slug: item.slug,
    status: status ? serializeStatus(status) : null,
    type: type ? { uuid: type.uuid, name: type.name, created_at: CATALOG_TIMESTAMP, updated_at: CATALOG_TIMESTAMP } : null,
    review_at: item.reviewAt,
    assigned_to_uuids: [...item.assignedToUuids],
    group_uuids: [...item.groupUuids],
    completed_at: item.completedAt,
    value: serializeMoney(item.value),
    status_position: item.statusPosition,
    participants_count: item.participantUuids.length,
    task_board_uuid: item.taskBoardUuid,
  };
  if (includes.has("participants")) {
    out.participants = item.participantUuids.flatMap((uuid) => {
      const account = catalog.account(uuid);
      return account ? [serializeAccount(account)] : [];
    });
  }
  if (includes.has("plans")) {
    // The simulated firm holds no plans (a case's plans are not carried by case-sync).
    out.plans = [];
  }
  if (includes.has("custom_fields")) {
    out.custom_fields = catalog.fields.map((field) => ({
      uuid: field.uuid,
      created_at: CATALOG_TIMESTAMP,
      updated_at: CATALOG_TIMESTAMP,
      type: field.type,
      name: field.name,
      reference: field.reference,
      is_required: false,
      value: item.customFields[field.reference] ?? null,
      selection_options: [...field.selection_options],
      help_text: field.help_text,
    }));
  }
  return out;
}
