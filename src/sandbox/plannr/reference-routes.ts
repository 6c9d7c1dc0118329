// The reference lists a mapping resolves against (reference "Statuses, custom fields, people"):
// case statuses, case custom field definitions (`filter[model_type]=case`), accounts (filters
// `type` and `primary_email`) and the token's logins. All are paged like every Plannr list.
import type { Route } from "../http-server.js";
import { guarded, listPath, ok } from "./answers.js";
import type { PlannrCatalog, SimAccount } from "./catalog.js";
import { sortByKeys } from "./ordering.js";
import { paginate, readFilter, readIncludes, readPaging, readSort } from "./query.js";
import { serializeAccount, serializeFieldDefinition, serializeLogin, serializeStatus } from "./serialize.js";

const STATUS_SORTS = ["position", "name"] as const;
const FIELD_SORTS = ["position", "name"] as const;
const ACCOUNT_SORTS = ["first_name", "last_name"] as const;

function accountMatches(account: SimAccount, types: string[] | null, emails: string[] | null): boolean {
  if (types !== null && !types.includes(account.type)) return false;
  // MySQL's default collation compares e-mails case-insensitively.
  if (emails !== null) return account.email !== null && emails.some((e) => e.toLowerCase() === account.email?.toLowerCase());
  return true;
}

export function referenceRoutes(catalog: PlannrCatalog, loginUuid: string): Route[] {
  return [
    {
      method: "GET",
      pattern: "/api/v1/cases-status",
      handler: guarded((request) => {
        readIncludes(request.query, []);
        const sort = readSort(request.query, STATUS_SORTS, [{ field: "position", descending: false }]);
        const rows = sortByKeys(catalog.statuses, sort, (s, field) => (field === "name" ? s.name.toLowerCase() : s.position), (s) => s.uuid);
        return ok(paginate(rows, readPaging(request.query), listPath(request), request.query, serializeStatus));
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/custom-field",
      handler: guarded((request) => {
        readIncludes(request.query, []);
        const sort = readSort(request.query, FIELD_SORTS, [{ field: "position", descending: false }]);
        // Every definition the simulated firm has is a case field.
        const modelTypes = readFilter(request.query, "model_type");
        const fields = modelTypes === null || modelTypes.includes("case") ? catalog.fields : [];
        const rows = sortByKeys(fields, sort, (f, field) => (field === "name" ? f.name.toLowerCase() : f.position), (f) => f.uuid);
        return ok(paginate(rows, readPaging(request.query), listPath(request), request.query, serializeFieldDefinition));
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/account",
      handler: guarded((request) => {
        readIncludes(request.query, []);
        const types = readFilter(request.query, "type");
        const emails = readFilter(request.query, "primary_email");
        const matching = catalog.accounts.filter((a) => accountMatches(a, types, emails));
        const sort = readSort(request.query, ACCOUNT_SORTS, []);
        const rows = sort.length === 0 ? matching : sortByKeys(matching, sort, (a, field) => (field === "first_name" ? a.firstName : a.lastName).toLowerCase(), (a) => a.uuid);
        return ok(paginate(rows, readPaging(request.query), listPath(request), request.query, serializeAccount));
      }),
    },
    {
      method: "GET",
      pattern: "/api/v1/logins",
      // The token's user has one login, into the simulated firm's account.
      handler: guarded(() => ok({ data: [serializeLogin(loginUuid, catalog)] })),
    },
  ];
}
