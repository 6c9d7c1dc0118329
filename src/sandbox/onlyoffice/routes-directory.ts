// Authentication, contacts and people (reference: "Transport and auth", "Contacts", "People").
import type { Route, SandboxRequest } from "../http-server.js";
import { Args } from "./args.js";
import { addContactInfo, createPerson, filterContacts, findByContactInfo, parseCategory, parseInfoType, parseListView, parseShareType, readContact, sortContacts } from "./contacts.js";
import { badArgument, notFound } from "./errors.js";
import { readPageRequest, takePage } from "./paging.js";
import { API, answer, apiRoute, boundBody, type PortalContext } from "./route-kit.js";
import { contactFull, contactInfoResource, formatApiDate, personResource } from "./serialize.js";

/** The one anonymous method: answers 201 `{token, expires}`, or the portal's 500. */
function authenticationRoutes(ctx: PortalContext): Route[] {
  const handler = (request: SandboxRequest) =>
    answer("POST", () => {
      const args = new Args(request.query, boundBody(request));
      const { token, expires } = ctx.auth.login(args.string("userName"), args.string("password"));
      return { response: { token, expires: formatApiDate(expires, ctx.utcOffsetMinutes) } };
    });
  return [
    { method: "POST", pattern: `${API}/authentication`, handler },
    { method: "POST", pattern: `${API}/authentication.json`, handler },
  ];
}

function contactRoutes(ctx: PortalContext): Route[] {
  return [
    ...apiRoute(ctx, "GET", "/crm/contact/filter", (call) => {
      const page = readPageRequest(call.request.query, ctx.pageCap);
      const view = parseListView(call.args.string("contactListView"));
      const all = sortContacts(filterContacts(ctx.state, call.actor, view, page.filterValue), page.sortBy, page.descending);
      const { items, meta } = takePage(all, page);
      return { response: items.map((c) => contactFull(call.viewer, c)), meta };
    }),
    ...apiRoute(ctx, "GET", "/crm/contact/bycontactinfo", (call) => {
      const infoType = call.args.string("infoType");
      if (infoType === undefined) throw badArgument();
      const category = call.args.string("category");
      const found = findByContactInfo(ctx.state, call.actor, {
        infoType: parseInfoType(infoType),
        data: call.args.string("data") ?? "",
        category: category === undefined ? undefined : parseCategory(category),
        isPrimary: call.args.bool("isPrimary"),
      });
      return { response: found.map((c) => contactFull(call.viewer, c)) };
    }),
    ...apiRoute(ctx, "POST", "/crm/contact/person", (call) => {
      const shareType = call.args.string("shareType");
      const contact = createPerson(
        ctx.state,
        call.actor,
        {
          firstName: call.args.string("firstName"),
          lastName: call.args.string("lastName"),
          shareType: shareType === undefined || shareType === "" ? 0 : parseShareType(shareType),
          managerList: call.args.guidList("managerList"),
        },
        ctx.now(),
      );
      return { response: contactFull(call.viewer, contact) };
    }),
    ...apiRoute(ctx, "GET", "/crm/contact/:id", (call) => ({ response: contactFull(call.viewer, readContact(ctx.state, call.actor, call.id("id"))) })),
    ...apiRoute(ctx, "POST", "/crm/contact/:id/data", (call) => {
      const infoType = call.args.string("infoType");
      if (infoType === undefined) throw badArgument();
      const category = call.args.string("category");
      const info = addContactInfo(ctx.state, call.actor, call.id("id"), {
        infoType: parseInfoType(infoType),
        data: call.args.string("data"),
        isPrimary: call.args.bool("isPrimary") ?? false,
        category: category === undefined || category === "" ? 0 : parseCategory(category),
      });
      return { response: contactInfoResource(info) };
    }),
  ];
}

function peopleRoutes(ctx: PortalContext): Route[] {
  return [
    ...apiRoute(ctx, "GET", "/people", (call) => ({ response: ctx.state.users.map((u) => personResource(call.viewer, u)) })),
    ...apiRoute(ctx, "GET", "/people/@self", (call) => ({ response: personResource(call.viewer, call.actor) })),
    ...apiRoute(ctx, "GET", "/people/email", (call) => {
      const email = (call.args.string("email") ?? "").trim().toLowerCase();
      const user = ctx.state.users.find((u) => u.email.toLowerCase() === email);
      if (!user) throw notFound();
      return { response: personResource(call.viewer, user) };
    }),
    ...apiRoute(ctx, "GET", "/people/:userid", (call) => {
      const user = ctx.state.users.find((u) => u.id === (call.request.params.userid ?? "").toLowerCase());
      if (!user) throw notFound();
      return { response: personResource(call.viewer, user) };
    }),
  ];
}

export function directoryRoutes(ctx: PortalContext): Route[] {
  return [...authenticationRoutes(ctx), ...contactRoutes(ctx), ...peopleRoutes(ctx)];
}
