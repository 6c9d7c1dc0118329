// `check` (SPEC §6): configuration, credentials, administrator rights, the mapping against the
// live systems, and the state store's identity. Every finding is one readable line.
import { ABORTING_CODES, toCaseSyncError } from "../core/errors.js";
import { inertText } from "../core/inert-text.js";
import type { Mapping } from "../core/mapping.js";
import type { CrmAdapter, StateStore } from "../core/ports.js";
import type { Reference } from "../core/reference.js";
import { verifyMapping, type CheckItem } from "../mapping/verify.js";
import { checkSubscription } from "./webhook-check.js";

export interface CheckReport {
  ok: boolean;
  /** 0 all good, 2 the mapping does not fit the systems, 4 credentials/rights/identity. */
  exitCode: number;
  items: CheckItem[];
}

interface AccountVerifier {
  verifyAccount(): Promise<boolean>;
}

/** A finding's detail: one line, however long the lists of fields or the upstream's message. */
const MAX_DETAIL = 2_000;

/**
 * Findings quote the CRMs (a portal's name, the integration user's display name, field labels, an
 * upstream's error message): each is made inert once here, so the text and the `--json` forms of
 * the report both show it as one line with no escape sequence in it (issue 9 item 4).
 */
function inertItem(item: CheckItem): CheckItem {
  return { ...item, name: inertText(item.name, 200), detail: inertText(item.detail, MAX_DETAIL) };
}

function hasVerifier(adapter: CrmAdapter): adapter is CrmAdapter & AccountVerifier {
  return typeof (adapter as Partial<AccountVerifier>).verifyAccount === "function";
}

/** A side that could not be read: null, and whether that is a configuration mistake (exit 2) rather than an abort (exit 4). */
async function reach(adapter: CrmAdapter, items: CheckItem[], misconfigured: Set<string>): Promise<Reference | null> {
  const name = adapter.side === "plannr" ? "Plannr credentials" : "ONLYOFFICE credentials";
  try {
    const identity = await adapter.describe();
    const reference = await adapter.listReference();
    items.push({ name, ok: true, severity: "error", detail: `${identity.label}: ${reference.customFields.length} case fields, ${reference.staff.length} staff, ${reference.people.length} people` });
    return reference;
  } catch (error) {
    const e = toCaseSyncError(error, { side: adapter.side });
    items.push({ name, ok: false, severity: "error", detail: `${e.code}: ${e.message}` });
    // A base URL that points at the other system is the configuration's fault, as in sync (exit 2).
    if (e.code === "CS_CONFIG" || e.code === "CS_USAGE") misconfigured.add(adapter.side);
    return null;
  }
}

export async function runCheck(plannr: CrmAdapter, onlyoffice: CrmAdapter, mapping: Mapping, store: StateStore): Promise<CheckReport> {
  const items: CheckItem[] = [{ name: "mapping", ok: true, severity: "error", detail: "the mapping file is valid" }];
  const misconfigured = new Set<string>();
  const [plannrRef, onlyofficeRef] = await Promise.all([reach(plannr, items, misconfigured), reach(onlyoffice, items, misconfigured)]);
  let aborting = (plannrRef === null && !misconfigured.has("plannr")) || (onlyofficeRef === null && !misconfigured.has("onlyoffice"));
  if (plannrRef && hasVerifier(plannr)) {
    const ok = await plannr.verifyAccount().catch(() => false);
    items.push({ name: "Plannr account", ok, severity: "error", detail: ok ? "the token has a login for the configured account" : "the token has no login for PLANNR_ACCOUNT_UUID" });
    aborting ||= !ok;
  }
  if (onlyofficeRef) {
    const user = onlyofficeRef.integrationUser;
    const ok = user?.isAdmin === true;
    items.push({
      name: "ONLYOFFICE administrator",
      ok,
      severity: "error",
      detail: ok ? `${user?.name ?? "the integration user"} is a CRM administrator` : `${user?.name ?? "the integration user"} is not a CRM administrator: it would see only part of the case book and privacy writes would silently do nothing`,
    });
    aborting ||= !ok;
  }
  if (plannrRef && onlyofficeRef) items.push(...verifyMapping(mapping, plannrRef, onlyofficeRef));
  try {
    await store.init();
    const stored = await store.getIdentity();
    if (stored && plannrRef && onlyofficeRef) {
      const [p, o] = await Promise.all([plannr.describe(), onlyoffice.describe()]);
      const ok = stored.plannrAccount === p.identity && stored.onlyofficePortal === o.identity;
      items.push({ name: "state identity", ok, severity: "error", detail: ok ? `state ${store.describe()} belongs to this pair` : `state ${store.describe()} belongs to ${stored.plannrAccount} and ${stored.onlyofficePortal}` });
      aborting ||= !ok;
    } else items.push({ name: "state", ok: true, severity: "error", detail: `${store.describe()} (${stored ? "in use" : "new"})` });
    const subscription = await checkSubscription(plannr, store, plannrRef !== null);
    if (subscription) items.push(subscription);
  } catch (error) {
    const e = toCaseSyncError(error);
    items.push({ name: "state", ok: false, severity: "error", detail: `${e.code}: ${e.message}` });
    aborting ||= ABORTING_CODES.has(e.code);
  }
  const failed = items.filter((i) => !i.ok && i.severity === "error");
  return { ok: failed.length === 0, exitCode: failed.length === 0 ? 0 : aborting ? 4 : 2, items: items.map(inertItem) };
}
