// What to do about an error, in the words of the environment the CLI reads: the library names
// its options (`plannr.token`), a person running the CLI set variables (`PLANNR_TOKEN`). A hint
// that names a command names it whole, with flags that command takes, so it works as printed
// whichever command printed it (issue 10 item 8: `plan` takes no --allow-mass-create).
import type { Side } from "../core/errors.js";

const OPTION_NAMES: [RegExp, string][] = [
  [/\bplannr\.baseUrl\b/g, "PLANNR_BASE_URL"],
  [/\bplannr\.token\b/g, "PLANNR_TOKEN"],
  [/\bplannr\.accountUuid\b/g, "PLANNR_ACCOUNT_UUID"],
  [/\bonlyoffice\.baseUrl\b/g, "ONLYOFFICE_BASE_URL"],
  [/\bonlyoffice\.token\b/g, "ONLYOFFICE_TOKEN"],
  [/\bonlyoffice\.username\b/g, "ONLYOFFICE_USERNAME"],
  [/\bonlyoffice\.password\b/g, "ONLYOFFICE_PASSWORD"],
];

export function inEnvironmentTerms(message: string): string {
  return OPTION_NAMES.reduce((text, [pattern, name]) => text.replace(pattern, name), message);
}

const SIDE_NAME: Record<Side, string> = { plannr: "Plannr", onlyoffice: "ONLYOFFICE" };
const OTHER: Record<Side, Side> = { plannr: "onlyoffice", onlyoffice: "plannr" };

/**
 * What to run after a breaker tripped (engine/breakers.ts words its reasons `would create N <side>
 * cases` and `would delete, close, unlink or empty a field of N <side> cases`). Cases to create on
 * one side are the other side's cases without a partner: a first copy of them is a migration from
 * that side (exempt from the create breaker); a sync may still create them when that is intended.
 */
export function breakerHint(message: string): string {
  const hints: string[] = [];
  for (const match of message.matchAll(/would create \d+ (plannr|onlyoffice) cases/g)) {
    const source = OTHER[match[1] as Side];
    hints.push(`a first copy of ${SIDE_NAME[source]}'s cases is a migration: case-sync migrate --from ${source} --dry-run, then without --dry-run; to create them by a sync anyway: case-sync sync --allow-mass-create --dry-run, then without --dry-run`);
  }
  if (/would delete, close, unlink or empty/.test(message)) {
    hints.push("look at what would go: case-sync sync --allow-mass-delete --dry-run; if it is intended, run it without --dry-run");
  }
  return hints.length > 0 ? [...new Set(hints)].join("; ") : "look at the plan: case-sync sync --dry-run";
}

/** One line saying which setting to look at, or null. */
export function hintFor(code: string, side: Side | undefined, message: string): string | null {
  switch (code) {
    case "CS_AUTH":
      if (message.startsWith("state store")) return "check the user and password in CASE_SYNC_STATE";
      if (side === "plannr") return "check PLANNR_TOKEN (a personal access token of a user who can see the firm's cases)";
      if (side === "onlyoffice") return "check ONLYOFFICE_TOKEN, or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD";
      return "check the tokens and passwords in the environment";
    case "CS_FORBIDDEN":
      return side === "plannr" ? "check PLANNR_ACCOUNT_UUID: the token needs a login for that account (GET /api/v1/logins lists them)" : "the user lacks rights to that record or module";
    case "CS_NOT_ADMIN":
      return "make the ONLYOFFICE integration user a CRM administrator (Settings → Access rights)";
    case "CS_IDENTITY":
      return "PLANNR_ACCOUNT_UUID or ONLYOFFICE_BASE_URL point at another pair than this state was made for: fix them, or use another CASE_SYNC_STATE for the new pair";
    case "CS_NETWORK":
    case "CS_TIMEOUT":
      if (message.startsWith("state store")) return "check CASE_SYNC_STATE and that the database is running";
      return side === "plannr" ? "check PLANNR_BASE_URL and the network" : side === "onlyoffice" ? "check ONLYOFFICE_BASE_URL and the network" : "check the base URLs and the network";
    case "CS_BREAKER":
      return breakerHint(message);
    case "CS_INTERRUPTED":
      return "run the same command again to carry on";
    default:
      return null;
  }
}
