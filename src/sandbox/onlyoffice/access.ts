// Who may see and change what (ASC.CRM CRMSecurity, as the reference states it): a portal or CRM
// administrator sees everything; a private case is readable only by the users on its access list;
// a contact with shareType 0 only by its managers; lists and case members simply leave out what the
// caller cannot read.
import type { SimContact, SimOnlyofficeCase, SimUser } from "./state.js";

/** Portal administrator, or a CRM-only administrator (`listAdminModules` contains "crm"). */
export function isCrmAdmin(user: SimUser): boolean {
  return user.isAdmin || user.isCrmAdmin;
}

export function canReadCase(user: SimUser, c: SimOnlyofficeCase): boolean {
  return isCrmAdmin(user) || !c.isPrivate || c.accessList.includes(user.id);
}

/** CRMSecurity.CanEdit for cases is the same test as access. */
export function canEditCase(user: SimUser, c: SimOnlyofficeCase): boolean {
  return canReadCase(user, c);
}

/** Only an administrator or the creator may change a case's privacy (else it is left alone). */
export function canSetCaseAccess(user: SimUser, c: SimOnlyofficeCase): boolean {
  return isCrmAdmin(user) || c.createdBy === user.id;
}

export function canReadContact(user: SimUser, contact: SimContact): boolean {
  return isCrmAdmin(user) || contact.shareType !== 0 || contact.managerList.includes(user.id);
}

export function canEditContact(user: SimUser, contact: SimContact): boolean {
  return isCrmAdmin(user) || contact.shareType === 1 || contact.managerList.includes(user.id);
}
