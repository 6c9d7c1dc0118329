// The case endpoints under `crm/case` (reference: "Cases", "Custom fields"). Literal paths come
// before `:id` ones because the shell takes the first match (`filter` is not a case id).
import type { Route } from "../http-server.js";
import { canReadContact, isCrmAdmin } from "./access.js";
import type { Args } from "./args.js";
import { filterCases, sortCases } from "./case-list.js";
import {
  addCaseMember,
  createCase,
  deleteCase,
  readCase,
  removeCaseMember,
  setCaseAccess,
  setCaseClosed,
  setCaseFieldValue,
  updateCase,
  type CaseInput,
} from "./cases.js";
import { parseFieldInput } from "./field-input.js";
import { accessDenied, badArgument } from "./errors.js";
import { readPageRequest, takePage } from "./paging.js";
import { apiRoute, type Call, type PortalContext } from "./route-kit.js";
import { caseFields, caseResource, contactFull, fieldDefinition, fieldValueResource } from "./serialize.js";
import type { SimOnlyofficeCase } from "./state.js";

function caseInput(args: Args): CaseInput {
  return {
    title: args.string("title"),
    members: args.intList("members"),
    customFieldList: args.keyValueList("customFieldList"),
    isPrivate: args.bool("isPrivate"),
    accessList: args.guidList("accessList"),
  };
}

function filteredCases(call: Call, pageCap: number): SimOnlyofficeCase[] {
  const page = readPageRequest(call.request.query, pageCap);
  return filterCases(call.viewer.state, call.actor, {
    filterValue: page.filterValue,
    contactId: call.args.int("contactid") ?? 0,
    isClosed: call.args.bool("isClosed"),
    tags: call.args.stringList("tags"),
  });
}

/** Batch deletes (PUT crm/case, DELETE crm/case/filter) skip what the caller may not delete. */
function deleteMany(call: Call, ids: number[]): unknown[] {
  const deleted: unknown[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      deleted.push(caseResource(call.viewer, deleteCase(call.viewer.state, call.actor, id)));
    } catch {
      // not found or not permitted: left out of the answer, as the DAO does
    }
  }
  return deleted;
}

export function caseRoutes(ctx: PortalContext): Route[] {
  return [
    ...apiRoute(ctx, "GET", "/crm/case/filter", (call) => {
      const page = readPageRequest(call.request.query, ctx.pageCap);
      const all = sortCases(filteredCases(call, ctx.pageCap), page.sortBy, page.descending);
      const { items, meta } = takePage(all, page);
      return { response: items.map((c) => caseResource(call.viewer, c)), meta };
    }),
    // Deletes every case matching the filters, all of them when there are none (trap 10).
    ...apiRoute(ctx, "DELETE", "/crm/case/filter", (call) => ({
      response: deleteMany(
        call,
        filteredCases(call, ctx.pageCap).map((c) => c.id),
      ),
    })),
    ...apiRoute(ctx, "GET", "/crm/case/customfield/definitions", () => ({
      response: ctx.state.fieldsByPosition().map((f) => fieldDefinition(ctx.state, f)),
    })),
    ...apiRoute(ctx, "POST", "/crm/case/customfield", (call) => {
      if (!isCrmAdmin(call.actor)) throw accessDenied();
      const field = ctx.state.addField(parseFieldInput(call.args));
      return { response: fieldDefinition(ctx.state, field) };
    }),
    // `PUT crm/case {casesids}` is a batch *delete* (trap 10).
    ...apiRoute(ctx, "PUT", "/crm/case", (call) => {
      if (!call.args.has("casesids")) throw badArgument();
      return { response: deleteMany(call, call.args.intList("casesids")) };
    }),
    ...apiRoute(ctx, "POST", "/crm/case", (call) => ({
      response: caseResource(call.viewer, createCase(ctx.state, call.actor, caseInput(call.args), ctx.now())),
    })),
    ...apiRoute(ctx, "GET", "/crm/case/:id", (call) => ({ response: caseResource(call.viewer, readCase(ctx.state, call.actor, call.id("id"))) })),
    ...apiRoute(ctx, "PUT", "/crm/case/:id", (call) => ({
      response: caseResource(call.viewer, updateCase(ctx.state, call.actor, call.id("id"), caseInput(call.args))),
    })),
    ...apiRoute(ctx, "DELETE", "/crm/case/:id", (call) => ({ response: caseResource(call.viewer, deleteCase(ctx.state, call.actor, call.id("id"))) })),
    ...apiRoute(ctx, "PUT", "/crm/case/:id/close", (call) => ({
      response: caseResource(call.viewer, setCaseClosed(ctx.state, call.actor, call.id("id"), true)),
    })),
    ...apiRoute(ctx, "PUT", "/crm/case/:id/reopen", (call) => ({
      response: caseResource(call.viewer, setCaseClosed(ctx.state, call.actor, call.id("id"), false)),
    })),
    ...apiRoute(ctx, "PUT", "/crm/case/:id/access", (call) => ({
      response: caseResource(call.viewer, setCaseAccess(ctx.state, call.actor, call.id("id"), call.args.bool("isPrivate"), call.args.guidList("accessList"))),
    })),
    // Full contacts; `[]` for an unknown case; unreadable contacts left out.
    ...apiRoute(ctx, "GET", "/crm/case/:id/contact", (call) => {
      const c = ctx.state.cases.get(call.id("id"));
      const members = (c?.memberIds ?? []).map((id) => ctx.state.contacts.get(id)).filter((x) => x !== undefined);
      const readable = members.filter((contact) => canReadContact(call.actor, contact));
      return { response: readable.map((contact) => contactFull(call.viewer, contact)) };
    }),
    ...apiRoute(ctx, "POST", "/crm/case/:id/contact", (call) => {
      const contactId = call.args.int("contactid");
      if (contactId === undefined) throw badArgument();
      return { response: contactFull(call.viewer, addCaseMember(ctx.state, call.actor, call.id("id"), contactId)) };
    }),
    ...apiRoute(ctx, "DELETE", "/crm/case/:id/contact/:contactid", (call) => ({
      response: contactFull(call.viewer, removeCaseMember(ctx.state, call.actor, call.id("id"), call.id("contactid"))),
    })),
    ...apiRoute(ctx, "GET", "/crm/case/:id/customfield", (call) => {
      const c = ctx.state.cases.get(call.id("id"));
      return { response: c ? caseFields(ctx.state, c) : [] };
    }),
    ...apiRoute(ctx, "POST", "/crm/case/:id/customfield/:fieldid", (call) => {
      const result = setCaseFieldValue(ctx.state, call.id("id"), call.id("fieldid"), call.args.string("fieldValue"));
      const field = ctx.state.field(result.fieldId);
      return { response: field ? fieldValueResource(field, result.caseId, result.value) : null };
    }),
  ];
}
