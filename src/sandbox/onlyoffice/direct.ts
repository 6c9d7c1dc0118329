// "A user in the ONLYOFFICE UI": direct state edits for tests and the demo, bypassing the API and
// its traps. Edits are literal (what you pass is what the case holds), except that values are
// trimmed like every stored field value and `""` clears a field. Mistakes in the input are
// programming errors in the test, so they throw instead of being dropped silently.
import { cloneCase, toIsoSeconds, type PortalState, type SimOnlyofficeCase } from "./state.js";

export interface CaseEdit {
  title: string;
  isClosed: boolean;
  isPrivate: boolean;
  accessList: string[];
  memberIds: number[];
  customFields: Record<number, string>;
}

export interface DirectCaseInput {
  title: string;
  isClosed?: boolean;
  /** Private cases get their creator added to the access list, as the UI does. */
  isPrivate?: boolean;
  accessList?: string[];
  memberIds?: number[];
  customFields?: Record<number, string>;
  /** User GUID or e-mail (default: the first staff member who is not the integration user). */
  createdBy?: string;
  created?: Date | string;
}

function userId(state: PortalState, idOrEmail: string): string {
  const user = state.user(idOrEmail);
  if (!user) throw new RangeError(`no such ONLYOFFICE user: ${idOrEmail}`);
  return user.id;
}

function memberIds(state: PortalState, ids: number[]): number[] {
  for (const id of ids) if (!state.contacts.has(id)) throw new RangeError(`no such ONLYOFFICE contact: ${id}`);
  return [...new Set(ids)].sort((a, b) => a - b);
}

function applyFields(state: PortalState, c: SimOnlyofficeCase, values: Record<number, string>): void {
  for (const [key, value] of Object.entries(values)) {
    const field = state.field(Number(key));
    if (!field) throw new RangeError(`no such ONLYOFFICE case field: ${key}`);
    if (value.trim() === "") delete c.customFields[field.id];
    else c.customFields[field.id] = value.trim();
  }
}

export function editCaseDirect(state: PortalState, id: number, patch: Partial<CaseEdit>): void {
  const c = state.cases.get(id);
  if (!c) throw new RangeError(`no such ONLYOFFICE case: ${id}`);
  if (patch.title !== undefined) c.title = patch.title;
  if (patch.isClosed !== undefined) c.isClosed = patch.isClosed;
  if (patch.accessList !== undefined) c.accessList = [...new Set(patch.accessList.map((g) => userId(state, g)))];
  if (patch.isPrivate !== undefined) c.isPrivate = patch.isPrivate;
  if (!c.isPrivate) c.accessList = [];
  if (patch.memberIds !== undefined) c.memberIds = memberIds(state, patch.memberIds);
  if (patch.customFields !== undefined) applyFields(state, c, patch.customFields);
}

export function createCaseDirect(state: PortalState, input: DirectCaseInput, now: number, defaultCreator: string): SimOnlyofficeCase {
  const createdBy = userId(state, input.createdBy ?? defaultCreator);
  const created = input.created === undefined ? now : new Date(input.created).getTime();
  if (Number.isNaN(created)) throw new RangeError(`not a date: ${String(input.created)}`);
  const isPrivate = input.isPrivate ?? false;
  const c: SimOnlyofficeCase = {
    id: state.allocateCaseId(),
    title: input.title,
    isClosed: input.isClosed ?? false,
    isPrivate,
    accessList: isPrivate ? [...new Set([...(input.accessList ?? []).map((g) => userId(state, g)), createdBy])] : [],
    memberIds: memberIds(state, input.memberIds ?? []),
    created: toIsoSeconds(created),
    createdBy,
    customFields: {},
  };
  applyFields(state, c, input.customFields ?? {});
  state.cases.set(c.id, c);
  return cloneCase(c);
}
