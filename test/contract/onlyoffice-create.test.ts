// ONLYOFFICE `createCase` against scripted HTTP (nock): a create is several requests (contacts, the
// case, its close), and once the case exists the adapter returns it as it really is, with every
// step that failed, or that the portal dropped silently, as an error naming its field group (the
// engine reports those and takes the returned case as the pair's base). Also the privacy a create
// asks for when nobody is assigned (private to the integration user alone unless the mapping opts in).
import { readFileSync } from "node:fs";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { emptyCase, type Case } from "../../src/core/case.js";
import { OnlyofficeConnectionSchema } from "../../src/core/config.js";
import { MappingSchema, type MappingInput } from "../../src/core/mapping.js";
import type { PersonInfo } from "../../src/core/records.js";
import { createOnlyofficeAdapter, type OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { failure } from "../support/failure.js";

const BASE = "https://portal.example.com";
const STAMP = "0e4f0c5e-7d43-4c1a-9a53-2c2f5b0c9d11";
const SAM = "6d2b8a10-0000-4000-8000-000000000001"; // people/@self
const ALICE = "6d2b8a10-0000-4000-8000-000000000002";
const MAPPING: MappingInput = {
  onlyoffice: { linkField: 13 },
  fields: { status: { onlyofficeField: 8 }, type: { onlyofficeField: 11 } },
};

const raw = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/onlyoffice/${name}`, import.meta.url), "utf8"));
const envelope = (response: unknown, statusCode = 200) => ({ status: 0, statusCode, response });
const page = (startIndex: number) => ({ sortBy: "Id", sortOrder: "ascending", startIndex: String(startIndex), count: "1000" });

async function ready(mapping: Partial<MappingInput> = {}): Promise<{ adapter: OnlyofficeAdapter; scope: nock.Scope }> {
  const adapter = createOnlyofficeAdapter({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl: BASE, token: "tok-contract" }),
    mapping: MappingSchema.parse({ ...MAPPING, ...mapping }),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
  });
  const scope = nock(BASE);
  scope.get("/api/2.0/crm/case/customfield/definitions").reply(200, raw("field-definitions.json")).get("/api/2.0/people/@self").reply(200, raw("self.json"));
  for (const [path, name] of [
    ["/api/2.0/people", "people.json"],
    ["/api/2.0/crm/contact/filter", "contacts.json"],
  ] as const) {
    const items = raw(name).response as unknown[];
    scope.get(path).query(page(0)).reply(200, envelope(items)).get(path).query(page(items.length)).reply(200, raw("empty-page.json"));
  }
  await adapter.listReference();
  return { adapter, scope };
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** What the portal answers for a case holding `sent` (the create body) as asked. */
function answerFor(id: number, sent: { title: string; members: number[]; customFieldList: { key: number; value: string }[]; isPrivate: boolean; accessList: string[] }, closed = false) {
  return {
    id,
    title: sent.title,
    created: "2025-01-01T12:00:00.0000000Z",
    isClosed: closed,
    isPrivate: sent.isPrivate,
    ...(sent.isPrivate ? { accessList: [...new Set([...sent.accessList, SAM])] } : {}),
    members: sent.members.map((m) => ({ id: m })),
    customFields: sent.customFieldList.map((f) => ({ id: f.key, fieldValue: f.value })),
  };
}

const target: Case = { ...emptyCase(), title: "Closed one", participants: ["jane.client@example.com"], type: "Pension", status: { closed: true, statusName: "Won" } };
type Sent = Parameters<typeof answerFor>[1];

describe("createCase returns the case as it really is", () => {
  it("a 400 on the close after the create: the record is returned open, with one error on status", async () => {
    const { adapter, scope } = await ready();
    let sent: Sent | undefined;
    scope
      .post("/api/2.0/crm/case", (body: Sent) => ((sent = body), true))
      .reply(201, (_uri, body) => envelope(answerFor(32, body as Sent), 201))
      .put("/api/2.0/crm/case/32/close")
      .reply(400, { status: 1, statusCode: 400, error: { message: "Bad request" } });
    const record = await adapter.createCase(target, { stamp: STAMP });
    expect(scope.isDone()).toBe(true);
    expect(sent).toMatchObject({ members: [101], isPrivate: true, accessList: [SAM] });
    expect(record.id).toBe("32");
    expect(record.case.status).toEqual({ closed: false, statusName: "Won" });
    expect(record.issues.filter((i) => i.severity === "error")).toEqual([
      expect.objectContaining({ side: "onlyoffice", record: "32", field: "status", code: "CS_VALIDATION", message: expect.stringContaining("closing it failed") }),
    ]);
  });

  it("a clean create with its close has no errors and reads closed", async () => {
    const { adapter, scope } = await ready();
    let answer: unknown;
    scope
      .post("/api/2.0/crm/case")
      .reply(201, (_uri, body) => ((answer = answerFor(33, body as Sent)), envelope(answer, 201)))
      .put("/api/2.0/crm/case/33/close")
      .reply(200, () => envelope({ ...(answer as object), isClosed: true }));
    const record = await adapter.createCase(target, { stamp: STAMP });
    expect(record.issues).toEqual([]);
    expect(record.case).toMatchObject({ status: { closed: true, statusName: "Won" }, type: "Pension", participants: ["jane.client@example.com"], assignees: [] });
    expect(record.stamp).toBe(STAMP);
  });

  it("what the portal drops silently (a member, a field value, the privacy) is an error on each group", async () => {
    const { adapter, scope } = await ready();
    scope
      .post("/api/2.0/crm/case")
      .reply(201, (_uri, body) => {
        const sent = body as Sent;
        // A non-administrator's create: privacy ignored; the member hidden; the type value lost.
        return envelope({ ...answerFor(34, sent), isPrivate: false, accessList: undefined, members: [], customFields: sent.customFieldList.filter((f) => f.key !== 11).map((f) => ({ id: f.key, fieldValue: f.value })) }, 201);
      });
    const record = await adapter.createCase({ ...target, status: { closed: false, statusName: "Open" }, assignees: ["alice.adviser@firm.example"] }, { stamp: STAMP });
    expect(scope.isDone()).toBe(true);
    expect(record.case).toMatchObject({ participants: [], type: null, assignees: [] });
    const errors = record.issues.filter((i) => i.severity === "error");
    expect(errors.map((i) => i.field).sort()).toEqual(["assignees", "participants", "type"]);
    expect(errors.every((i) => i.record === "34" && i.code === "CS_VALIDATION")).toBe(true);
    expect(errors.find((i) => i.field === "assignees")!.message).toMatch(/public/);
  });

  it("a person contact that cannot be created: the case is created without it, with an error on participants", async () => {
    const { adapter, scope } = await ready({ people: { unknownContact: "create" } });
    const people = new Map<string, PersonInfo>([["fresh@example.com", { key: "fresh@example.com", email: "fresh@example.com", firstName: "Fresh", lastName: "Face", name: "Fresh Face" }]]);
    let sent: Sent | undefined;
    scope
      .post("/api/2.0/crm/contact/person")
      .reply(400, { status: 1, statusCode: 400, error: { message: "Bad request" } })
      .post("/api/2.0/crm/case", (body: Sent) => ((sent = body), true))
      .reply(201, (_uri, body) => envelope(answerFor(35, body as Sent), 201));
    const record = await adapter.createCase({ ...target, status: { closed: false, statusName: null }, participants: ["fresh@example.com", "jane.client@example.com"] }, { stamp: STAMP, people });
    expect(scope.isDone()).toBe(true);
    expect(sent!.members).toEqual([101]);
    expect(record.case.participants).toEqual(["jane.client@example.com"]);
    expect(record.issues.filter((i) => i.severity === "error")).toEqual([
      expect.objectContaining({ record: "35", field: "participants", code: "CS_VALIDATION", message: expect.stringContaining("fresh@example.com") }),
    ]);
  });

  it("a refused login while creating a contact stops before the case is created (nothing to report on)", async () => {
    const { adapter, scope } = await ready({ people: { unknownContact: "create" } });
    const people = new Map<string, PersonInfo>([["fresh@example.com", { key: "fresh@example.com", email: "fresh@example.com", firstName: "Fresh", lastName: "Face", name: "Fresh Face" }]]);
    scope.post("/api/2.0/crm/contact/person").reply(401, "Unauthorized");
    const error = await failure(adapter.createCase({ ...target, participants: ["fresh@example.com"] }, { stamp: STAMP, people }));
    expect(error.code).toBe("CS_AUTH");
    expect(scope.isDone()).toBe(true);
  });

  it("asks for privacy to the integration user alone when nobody is assigned, unless access.unassigned is public", async () => {
    for (const [unassigned, expected] of [
      ["private", { isPrivate: true, accessList: [SAM] }],
      ["public", { isPrivate: false, accessList: [] }],
    ] as const) {
      const { adapter, scope } = await ready({ access: { mode: "assignees", unassigned } });
      let sent: Sent | undefined;
      scope.post("/api/2.0/crm/case", (body: Sent) => ((sent = body), true)).reply(201, (_uri, body) => envelope(answerFor(36, body as Sent), 201));
      const record = await adapter.createCase({ ...target, status: { closed: false, statusName: null } }, { stamp: STAMP });
      expect(sent).toMatchObject(expected);
      expect(record.issues.filter((i) => i.severity === "error")).toEqual([]);
      expect(record.case.assignees).toEqual([]);
      nock.cleanAll();
    }
    // Assigned: private to the assignee (the portal adds the integration user itself).
    const { adapter, scope } = await ready();
    let sent: Sent | undefined;
    scope.post("/api/2.0/crm/case", (body: Sent) => ((sent = body), true)).reply(201, (_uri, body) => envelope(answerFor(37, body as Sent), 201));
    await adapter.createCase({ ...target, status: { closed: false, statusName: null }, assignees: ["alice.adviser@firm.example"] }, { stamp: STAMP });
    expect(sent).toMatchObject({ isPrivate: true, accessList: [ALICE] });
  });
});
