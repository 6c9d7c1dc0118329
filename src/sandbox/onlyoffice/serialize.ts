// Resources and the envelope, as the portal prints them (reference: "Envelope and errors", "Cases",
// "Contacts", "People", "Dates"): camelCase keys (the docs' PascalCase is wrong), `status: 0`,
// `count` = items returned and 1 for a single object, zero/absent envelope values left out; dates
// in portal-local time with the portal offset (`Z` only on a UTC portal) and `.0000000`. Fields
// marked EmitDefaultValue=false in the wrappers are left out when empty (a person's "" last name).
import { canEditCase, canEditContact, canReadContact } from "./access.js";
import { displayName } from "./contacts.js";
import type { SimError } from "./errors.js";
import type { PageMeta } from "./paging.js";
import type { PortalState, SimContact, SimContactInfo, SimField, SimOnlyofficeCase, SimUser } from "./state.js";
import { parsePortalDate } from "./state.js";

export interface Viewer {
  state: PortalState;
  actor: SimUser;
  utcOffsetMinutes: number;
}

type Json = Record<string, unknown>;

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, "0");

/** ApiDateTime: `yyyy-MM-ddTHH:mm:ss.0000000` + `Z` or `±hh:mm`, in the portal's local time. */
export function formatApiDate(ms: number, utcOffsetMinutes: number): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + utcOffsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.0000000`;
  const zone = utcOffsetMinutes === 0 ? "Z" : `${utcOffsetMinutes < 0 ? "-" : "+"}${pad(Math.trunc(utcOffsetMinutes / 60))}:${pad(utcOffsetMinutes % 60)}`;
  return `${date}T${time}${zone}`;
}

export function envelope(statusCode: number, response: unknown, meta?: PageMeta): Json {
  const body: Json = {};
  const count = Array.isArray(response) ? response.length : 1;
  if (count !== 0) body.count = count;
  if (meta?.startIndex) body.startIndex = meta.startIndex;
  if (meta?.nextIndex) body.nextIndex = meta.nextIndex;
  if (meta?.total) body.total = meta.total;
  body.status = 0;
  body.statusCode = statusCode;
  body.response = response;
  return body;
}

export function errorEnvelope(error: SimError): Json {
  return { status: 1, statusCode: error.status, error: { message: error.message, hresult: error.hresult, data: {} } };
}

/** EmployeeWraper: the short user shape in `createBy` and `accessList`. */
export function employee(state: PortalState, id: string): Json {
  const user = state.user(id);
  if (!user) return { id, displayName: "Profile removed" };
  return {
    id: user.id,
    displayName: `${user.firstName} ${user.lastName}`,
    avatarSmall: "/skins/default/images/default_user_photo_size_32-32.png",
    profileUrl: `/Products/People/Profile.aspx?user=${encodeURIComponent(user.userName)}`,
  };
}

export function fieldValueResource(field: SimField, entityId: number, value: string): Json {
  return { id: field.id, entityId, label: field.label, fieldValue: value, fieldType: field.fieldType, position: field.position, mask: field.mask };
}

/** Definitions list: `entityId: -1`, `fieldValue: " "`, plus how many cases hold a value. */
export function fieldDefinition(state: PortalState, field: SimField): Json {
  const relativeItemsCount = [...state.cases.values()].filter((c) => c.customFields[field.id] !== undefined).length;
  return { ...fieldValueResource(field, -1, " "), relativeItemsCount };
}

/** A case's fields: non-empty values plus every Heading (`entityId: 0`, `fieldValue: ""`). */
export function caseFields(state: PortalState, c: SimOnlyofficeCase): Json[] {
  const out: Json[] = [];
  for (const field of state.fieldsByPosition()) {
    if (field.fieldType === 4) out.push(fieldValueResource(field, 0, ""));
    else if (c.customFields[field.id] !== undefined) out.push(fieldValueResource(field, c.id, c.customFields[field.id] ?? ""));
  }
  return out;
}

export function contactBase(viewer: Viewer, contact: SimContact): Json {
  const isPrivate = contact.shareType === 0;
  const photo = (size: number) => `/httphandlers/filehandler.ashx?action=contactphotoulr&cid=${contact.id}&isc=${contact.isCompany}&ps=${size}`;
  const body: Json = {
    id: contact.id,
    smallFotoUrl: photo(1),
    mediumFotoUrl: photo(2),
    displayName: displayName(contact),
    isCompany: contact.isCompany,
  };
  if (isPrivate) body.accessList = contact.managerList.map((id) => employee(viewer.state, id));
  Object.assign(body, {
    isPrivate,
    isShared: contact.shareType !== 0,
    shareType: contact.shareType,
    currency: null,
    canEdit: canEditContact(viewer.actor, contact),
    canDelete: canEditContact(viewer.actor, contact),
  });
  return body;
}

export function contactInfoResource(info: SimContactInfo): Json {
  const categoryName = ["Home", "Work", "Other"][info.category] ?? "Other";
  return { id: info.id, infoType: info.infoType, category: info.category, data: info.data, categoryName, isPrimary: info.isPrimary };
}

/** PersonWrapper / CompanyWrapper. */
export function contactFull(viewer: Viewer, contact: SimContact): Json {
  const body = contactBase(viewer, contact);
  if (contact.isCompany) body.companyName = contact.companyName;
  else {
    if (contact.firstName !== "") body.firstName = contact.firstName;
    if (contact.lastName !== "") body.lastName = contact.lastName;
  }
  return {
    ...body,
    createBy: employee(viewer.state, contact.createdBy),
    created: formatApiDate(contact.createdAt, viewer.utcOffsetMinutes),
    commonData: contact.commonData.map(contactInfoResource),
    customFields: [],
    tags: [],
    haveLateTasks: false,
  };
}

export function caseResource(viewer: Viewer, c: SimOnlyofficeCase): Json {
  const members = c.memberIds
    .map((id) => viewer.state.contacts.get(id))
    .filter((contact): contact is SimContact => contact !== undefined && canReadContact(viewer.actor, contact))
    .map((contact) => contactBase(viewer, contact));
  const body: Json = {
    id: c.id,
    members,
    createBy: employee(viewer.state, c.createdBy),
    created: formatApiDate(parsePortalDate(c.created), viewer.utcOffsetMinutes),
    title: c.title,
    isClosed: c.isClosed,
    isPrivate: c.isPrivate,
  };
  if (c.isPrivate) body.accessList = c.accessList.map((id) => employee(viewer.state, id));
  body.canEdit = canEditCase(viewer.actor, c);
  body.customFields = caseFields(viewer.state, c);
  return body;
}

/** EmployeeWraperFull. `email` only when the caller may see people's private data (a
 * portal administrator, or the user themself) [D]. */
export function personResource(viewer: Viewer, user: SimUser): Json {
  const body: Json = {
    id: user.id,
    userName: user.userName,
    isVisitor: user.isVisitor,
    firstName: user.firstName,
    lastName: user.lastName,
  };
  if (viewer.actor.isAdmin || viewer.actor.id === user.id) body.email = user.email;
  Object.assign(body, {
    status: 1,
    activationStatus: 1,
    department: "",
    workFrom: formatApiDate(Date.UTC(2021, 0, 4), viewer.utcOffsetMinutes),
    displayName: `${user.firstName} ${user.lastName}`,
    avatarSmall: "/skins/default/images/default_user_photo_size_32-32.png",
    isAdmin: user.isAdmin,
    isLDAP: false,
  });
  if (user.isCrmAdmin) body.listAdminModules = ["crm"];
  Object.assign(body, { isOwner: user.isOwner, isSSO: false, profileUrl: `/Products/People/Profile.aspx?user=${encodeURIComponent(user.userName)}` });
  return body;
}
