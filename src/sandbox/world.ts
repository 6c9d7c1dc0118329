// One shared, deterministic world both simulators are seeded from: the same staff and clients by
// e-mail on both sides, plus the awkward records real books have (a contact without e-mail, a
// company contact, a mixed-case e-mail, joint clients sharing one e-mail). Same seed, same world.

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  uuid(): string;
}

/** mulberry32: small, fast, good enough for test data, and identical on every machine. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number) =>
    Array.from({ length: n }, () =>
      Math.floor(next() * 16)
        .toString(16)
        .toLowerCase(),
    ).join("");
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError("pick from an empty list");
      return item;
    },
    chance: (p) => next() < p,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`,
  };
}

export interface WorldStaff {
  firstName: string;
  lastName: string;
  email: string;
  plannrUuid: string;
  onlyofficeId: string;
  /** Plannr: the token's own account. ONLYOFFICE: the integration user (a portal administrator). */
  isIntegrationUser: boolean;
  isAdmin: boolean;
}

export interface WorldClient {
  firstName: string;
  lastName: string;
  /** As Plannr holds it (null: the client has no e-mail). */
  plannrEmail: string | null;
  /** As ONLYOFFICE holds it (may differ in case; null: the contact has no e-mail). */
  onlyofficeEmail: string | null;
  plannrUuid: string | null;
  onlyofficeId: number | null;
  /** ONLYOFFICE company contact (never a Plannr client). */
  isCompany: boolean;
  note: string;
}

export interface WorldStatus {
  uuid: string;
  name: string;
  colour: string;
  position: number;
  is_type_completed: boolean;
}

export interface WorldCaseType {
  uuid: string;
  name: string;
}

export interface WorldPlannrField {
  uuid: string;
  reference: string;
  name: string;
  type: "string" | "number" | "selection" | "boolean" | "datetime" | "longtext";
  selection_options: string[];
  help_text: string;
  position: number;
  /** Plannr custom field conditions, e.g. only for some case types. */
  conditions: { attribute: "type" | "status"; values: string[] }[];
}

export interface WorldOnlyofficeField {
  id: number;
  label: string;
  /** TextField 0, TextArea 1, SelectBox 2, CheckBox 3, Heading 4, Date 5. */
  fieldType: 0 | 1 | 2 | 3 | 4 | 5;
  /** A JSON string, as ONLYOFFICE stores it. */
  mask: string;
  position: number;
}

export interface WorldPlannrCase {
  uuid: string;
  name: string;
  statusUuid: string;
  typeUuid: string | null;
  participantUuids: string[];
  assignedToUuids: string[];
  groupUuids: string[];
  reviewAt: string | null;
  value: number | null;
  createdAt: string;
  customFields: Record<string, string | number | boolean | null>;
}

export interface WorldOnlyofficeCase {
  id: number;
  title: string;
  isClosed: boolean;
  isPrivate: boolean;
  accessList: string[];
  memberIds: number[];
  created: string;
  customFields: Record<number, string>;
}

export interface World {
  seed: number;
  plannrAccountUuid: string;
  plannrToken: string;
  onlyofficeToken: string;
  onlyofficeUsername: string;
  onlyofficePassword: string;
  staff: WorldStaff[];
  clients: WorldClient[];
  statuses: WorldStatus[];
  caseTypes: WorldCaseType[];
  groups: { uuid: string; name: string }[];
  plannrFields: WorldPlannrField[];
  onlyofficeFields: WorldOnlyofficeField[];
  plannrCases: WorldPlannrCase[];
  onlyofficeCases: WorldOnlyofficeCase[];
}

export interface WorldOptions {
  seed?: number;
  /** Plannr cases to seed; ONLYOFFICE gets a quarter as many cases of its own. */
  cases?: number;
  /** ONLYOFFICE-only cases (default: cases / 4, rounded down). */
  onlyofficeCases?: number;
}

const FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Leo", "Freya", "Arthur", "Lily", "Oscar", "Ella", "Jack"];
const LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright", "Walker", "Khan", "Evans", "Hughes"];
const CASE_WORDS = ["Annual review", "Pension transfer", "ISA top-up", "Mortgage advice", "Protection review", "Estate planning", "Income drawdown", "Bond switch"];

function isoDay(rng: Rng, fromYear: number, toYear: number): string {
  const y = rng.int(fromYear, toYear);
  const m = rng.int(1, 12);
  const d = rng.int(1, 28);
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

export function createWorld(options: WorldOptions = {}): World {
  const seed = options.seed ?? 1;
  const caseCount = options.cases ?? 40;
  const onlyofficeCount = options.onlyofficeCases ?? Math.floor(caseCount / 4);
  const rng = createRng(seed);

  const staffNames: [string, string, boolean][] = [
    ["Sam", "Integration", true],
    ["Priya", "Adviser", false],
    ["Tom", "Paraplanner", false],
    ["Hannah", "Administrator", false],
    ["Ben", "Adviser", false],
  ];
  const staff: WorldStaff[] = staffNames.map(([first, last, integration], index) => ({
    firstName: first,
    lastName: last,
    email: `${first.toLowerCase()}.${last.toLowerCase()}@firm.example`,
    plannrUuid: rng.uuid(),
    onlyofficeId: rng.uuid(),
    isIntegrationUser: integration,
    isAdmin: index === 0,
  }));

  const clients: WorldClient[] = [];
  const clientCount = Math.max(8, Math.min(400, Math.ceil(caseCount / 2)));
  let contactId = 100;
  for (let i = 0; i < clientCount; i += 1) {
    const firstName = rng.pick(FIRST);
    const lastName = rng.pick(LAST);
    const email = `${firstName.toLowerCase()}.${lastName.toLowerCase()}.${i}@client.example`;
    clients.push({
      firstName,
      lastName,
      plannrEmail: email,
      onlyofficeEmail: email,
      plannrUuid: rng.uuid(),
      onlyofficeId: (contactId += 1),
      isCompany: false,
      note: "ordinary client",
    });
  }
  // The awkward ones.
  clients.push({
    firstName: "Nora",
    lastName: "Noemail",
    plannrEmail: null,
    onlyofficeEmail: null,
    plannrUuid: rng.uuid(),
    onlyofficeId: (contactId += 1),
    isCompany: false,
    note: "client without an e-mail (cannot be matched)",
  });
  clients.push({
    firstName: "Acme",
    lastName: "Holdings",
    plannrEmail: null,
    onlyofficeEmail: "office@acme-holdings.example",
    plannrUuid: null,
    onlyofficeId: (contactId += 1),
    isCompany: true,
    note: "ONLYOFFICE company contact (never mapped)",
  });
  clients.push({
    firstName: "Max",
    lastName: "Mixedcase",
    plannrEmail: "max.mixedcase@client.example",
    onlyofficeEmail: "Max.MixedCase@Client.EXAMPLE",
    plannrUuid: rng.uuid(),
    onlyofficeId: (contactId += 1),
    isCompany: false,
    note: "e-mail differs only in letter case between the systems",
  });
  const jointEmail = "the.joneses@client.example";
  clients.push({
    firstName: "Alex",
    lastName: "Jones",
    plannrEmail: jointEmail,
    onlyofficeEmail: jointEmail,
    plannrUuid: rng.uuid(),
    onlyofficeId: (contactId += 1),
    isCompany: false,
    note: "joint client sharing an e-mail (ambiguous in Plannr)",
  });
  clients.push({
    firstName: "Sam",
    lastName: "Jones",
    plannrEmail: jointEmail,
    onlyofficeEmail: null,
    plannrUuid: rng.uuid(),
    onlyofficeId: null,
    isCompany: false,
    note: "joint client sharing an e-mail (ambiguous in Plannr)",
  });

  const statusNames: [string, boolean, string][] = [
    ["New", false, "#1E88E5"],
    ["In Progress", false, "#F9A825"],
    ["Awaiting Client", false, "#8E24AA"],
    ["Completed", true, "#23852B"],
    ["Cancelled", true, "#757575"],
  ];
  const statuses: WorldStatus[] = statusNames.map(([name, done, colour], index) => ({
    uuid: rng.uuid(),
    name,
    colour,
    position: index + 1,
    is_type_completed: done,
  }));
  const caseTypes: WorldCaseType[] = ["Mortgage", "Pension", "Investment", "Protection"].map((name) => ({ uuid: rng.uuid(), name }));
  const groups = ["London office", "Leeds office"].map((name) => ({ uuid: rng.uuid(), name }));
  const mortgageType = caseTypes[0]?.uuid ?? "";

  const fieldSpecs: Omit<WorldPlannrField, "uuid" | "position">[] = [
    { reference: "favourite_drink", name: "Favourite Drink", type: "selection", selection_options: ["Coffee", "Tea", "Water"], help_text: "The client's favourite drink.", conditions: [] },
    { reference: "risk_score", name: "Risk score", type: "number", selection_options: [], help_text: "Attitude to risk, 1 to 10.", conditions: [] },
    { reference: "vulnerable_client", name: "Vulnerable client", type: "boolean", selection_options: [], help_text: "", conditions: [] },
    { reference: "next_meeting", name: "Next meeting", type: "datetime", selection_options: [], help_text: "", conditions: [] },
    { reference: "notes", name: "Notes", type: "longtext", selection_options: [], help_text: "", conditions: [] },
    { reference: "lender", name: "Lender", type: "string", selection_options: [], help_text: "Mortgage cases only.", conditions: [{ attribute: "type", values: [mortgageType] }] },
  ];
  const plannrFields: WorldPlannrField[] = fieldSpecs.map((field, index) => ({ ...field, uuid: rng.uuid(), position: index + 1 }));

  const onlyofficeFields: WorldOnlyofficeField[] = [
    { label: "Favourite Drink", fieldType: 2 as const, mask: JSON.stringify(["Coffee", "Tea", "Water"]) },
    { label: "Risk score", fieldType: 0 as const, mask: JSON.stringify({ size: 10 }) },
    { label: "Vulnerable client", fieldType: 3 as const, mask: "" },
    { label: "Next meeting", fieldType: 5 as const, mask: "" },
    { label: "Notes", fieldType: 1 as const, mask: JSON.stringify({ rows: 4, cols: 40 }) },
    { label: "Lender", fieldType: 0 as const, mask: JSON.stringify({ size: 40 }) },
    { label: "Case details", fieldType: 4 as const, mask: "" },
    { label: "Status", fieldType: 2 as const, mask: JSON.stringify(statuses.map((s) => s.name)) },
    { label: "Case value", fieldType: 0 as const, mask: JSON.stringify({ size: 20 }) },
    { label: "Review date", fieldType: 5 as const, mask: "" },
    { label: "Case type", fieldType: 0 as const, mask: JSON.stringify({ size: 40 }) },
    { label: "Groups", fieldType: 0 as const, mask: JSON.stringify({ size: 200 }) },
  ].map((field, index) => ({ ...field, id: index + 1, position: index }));

  const ordinary = clients.filter((c) => c.note === "ordinary client");
  const plannrClients = clients.filter((c) => c.plannrUuid !== null);
  const employees = staff.filter((s) => !s.isIntegrationUser);
  const plannrCases: WorldPlannrCase[] = [];
  for (let i = 0; i < caseCount; i += 1) {
    const client = i % 17 === 5 ? (plannrClients.find((c) => c.note.startsWith("joint")) ?? rng.pick(ordinary)) : rng.pick(ordinary);
    const participants = new Set<string>([client.plannrUuid ?? ""]);
    if (rng.chance(0.2)) participants.add(rng.pick(ordinary).plannrUuid ?? "");
    if (i % 23 === 7) participants.add(clients.find((c) => c.lastName === "Noemail")?.plannrUuid ?? "");
    if (i % 19 === 3) participants.add(clients.find((c) => c.lastName === "Mixedcase")?.plannrUuid ?? "");
    const type = rng.pick(caseTypes);
    const status = rng.pick(statuses);
    const customFields: Record<string, string | number | boolean | null> = {};
    if (rng.chance(0.5)) customFields.favourite_drink = rng.pick(["Coffee", "Tea", "Water"]);
    if (rng.chance(0.4)) customFields.risk_score = rng.int(1, 10);
    if (rng.chance(0.3)) customFields.vulnerable_client = rng.chance(0.5);
    if (rng.chance(0.3)) customFields.next_meeting = `${isoDay(rng, 2026, 2027)}T10:00:00+00:00`;
    if (type.uuid === mortgageType && rng.chance(0.6)) customFields.lender = rng.pick(["Nationwide", "Halifax", "Barclays"]);
    plannrCases.push({
      uuid: rng.uuid(),
      name: `${rng.pick(CASE_WORDS)} – ${client.firstName} ${client.lastName} #${i + 1}`,
      statusUuid: status.uuid,
      typeUuid: type.uuid,
      participantUuids: [...participants].filter((p) => p !== ""),
      assignedToUuids: rng.chance(0.7) ? [rng.pick(employees).plannrUuid] : [],
      groupUuids: rng.chance(0.3) ? [rng.pick(groups).uuid] : [],
      reviewAt: rng.chance(0.6) ? `${isoDay(rng, 2026, 2027)}T09:30:00+00:00` : null,
      value: rng.chance(0.6) ? rng.int(1, 5000) * 100 + (rng.chance(0.3) ? 50 : 0) : null,
      createdAt: `${isoDay(rng, 2023, 2025)}T12:00:00+00:00`,
      customFields,
    });
  }

  const onlyofficeClients = clients.filter((c) => c.onlyofficeId !== null && !c.isCompany && c.onlyofficeEmail !== null);
  const onlyofficeCases: WorldOnlyofficeCase[] = [];
  for (let i = 0; i < onlyofficeCount; i += 1) {
    const client = rng.pick(onlyofficeClients);
    const members = new Set<number>([client.onlyofficeId ?? 0]);
    if (i % 5 === 2) members.add(clients.find((c) => c.isCompany)?.onlyofficeId ?? 0);
    const isPrivate = rng.chance(0.3);
    const owner = rng.pick(employees);
    const customFields: Record<number, string> = {};
    if (rng.chance(0.5)) customFields[1] = rng.pick(["Coffee", "Tea", "Water"]);
    if (rng.chance(0.4)) customFields[9] = `${rng.int(1, 900)}.00`;
    onlyofficeCases.push({
      id: 1000 + i,
      title: `${rng.pick(CASE_WORDS)} – ${client.firstName} ${client.lastName} (portal #${i + 1})`,
      isClosed: rng.chance(0.2),
      isPrivate,
      accessList: isPrivate ? [owner.onlyofficeId] : [],
      memberIds: [...members].filter((m) => m !== 0),
      created: `${isoDay(rng, 2023, 2025)}T12:00:00.0000000Z`,
      customFields,
    });
  }

  return {
    seed,
    plannrAccountUuid: rng.uuid(),
    plannrToken: `sandbox-plannr-${rng.uuid()}`,
    onlyofficeToken: `sandbox-oo-${rng.uuid()}`,
    onlyofficeUsername: staff[0]?.email ?? "sam.integration@firm.example",
    onlyofficePassword: `pw-${rng.uuid().slice(0, 13)}`,
    staff,
    clients,
    statuses,
    caseTypes,
    groups,
    plannrFields,
    onlyofficeFields,
    plannrCases,
    onlyofficeCases,
  };
}
