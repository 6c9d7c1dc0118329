// The Plannr simulator over real HTTP: every trap of reference/plannr-api.md, as an adapter meets it.
import { Readable } from "node:stream";
import axios, { type AxiosInstance } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { PlannrSimulator, PlannrValidationError, type PlannrSimulatorOptions } from "../../src/sandbox/plannr/simulator.js";
import { createWorld, type World } from "../../src/sandbox/world.js";

interface Running {
  sim: PlannrSimulator;
  world: World;
  url: string;
  api: AxiosInstance;
  clock: { ms: number };
}

const running: PlannrSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

/** 2025-06-24 09:15:12 UTC is 10:15:12 in London (BST). */
const SUMMER = Date.UTC(2025, 5, 24, 9, 15, 12);

async function start(options: Partial<PlannrSimulatorOptions> & { seed?: number; cases?: number } = {}): Promise<Running> {
  const world = options.world ?? createWorld({ seed: options.seed ?? 3, cases: options.cases ?? 40 });
  const clock = { ms: SUMMER };
  const sim = new PlannrSimulator({ world, now: () => new Date(clock.ms), ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) });
  running.push(sim);
  const url = await sim.listen(0);
  const api = axios.create({
    baseURL: `${url}/api/v1`,
    validateStatus: () => true,
    headers: { Authorization: `Bearer ${world.plannrToken}`, "X-PLANNR-ACCOUNT-UUID": world.plannrAccountUuid, Accept: "application/json" },
  });
  return { sim, world, url, api, clock };
}

const clientsOf = (world: World) => world.clients.filter((c) => c.plannrUuid !== null && !c.isCompany).map((c) => c.plannrUuid ?? "");
const employeeOf = (world: World) => world.staff[1]?.plannrUuid ?? "";
const statusNamed = (world: World, name: string) => world.statuses.find((s) => s.name === name)?.uuid ?? "";
const mortgageType = (world: World) => world.caseTypes.find((t) => t.name === "Mortgage")?.uuid ?? "";
const pensionType = (world: World) => world.caseTypes.find((t) => t.name === "Pension")?.uuid ?? "";

async function createCase(r: Running, extra: Record<string, unknown> = {}) {
  const response = await r.api.post("/cases", { name: "Test case", participants: [clientsOf(r.world)[0]], ...extra });
  expect(response.status).toBe(201);
  return response.data.data;
}

describe("Plannr simulator: auth", () => {
  it("answers 413 to a body over 1 MiB, with or without credentials, without reading it all (issue 9 item 8)", async () => {
    const r = await start();
    const big = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) });
    const anonymous = await axios.post(`${r.url}/api/v1/cases`, big, { headers: { "Content-Type": "application/json" }, validateStatus: () => true, maxBodyLength: Infinity });
    expect(anonymous.status).toBe(413);
    // Streamed without a length, the body is cut off at the cap too.
    const streamed = await axios.post(`${r.url}/api/v1/cases`, Readable.from([Buffer.from(big)]), { headers: { "Content-Type": "application/json" }, validateStatus: () => true, maxBodyLength: Infinity }).catch((error: unknown) => ({ status: (error as { code?: string }).code }));
    expect([413, "ECONNRESET", "EPIPE"]).toContain(streamed.status);
    const ok = await r.api.get("/cases");
    expect(ok.status).toBe(200);
  });

  it("answers 401 without a known Bearer token and 403 for a missing or foreign account header", async () => {
    const r = await start();
    const bare = await axios.get(`${r.url}/api/v1/cases`, { validateStatus: () => true });
    expect(bare.status).toBe(401);
    expect(bare.data).toEqual({ message: "Unauthenticated." });
    const wrongToken = await r.api.get("/cases", { headers: { Authorization: "Bearer not-a-token" } });
    expect(wrongToken.status).toBe(401);
    const foreign = await r.api.get("/cases", { headers: { "X-PLANNR-ACCOUNT-UUID": "00000000-0000-4000-8000-000000000000" } });
    expect(foreign.status).toBe(403);
    expect(foreign.data).toEqual({ message: "This action is unauthorized." });
    const missing = await axios.get(`${r.url}/api/v1/cases`, { headers: { Authorization: `Bearer ${r.world.plannrToken}` }, validateStatus: () => true });
    expect(missing.status).toBe(403);
  });

  it("lists the token's logins (no account header needed) and accepts added tokens", async () => {
    const r = await start();
    const logins = await axios.get(`${r.url}/api/v1/logins`, { headers: { Authorization: `Bearer ${r.world.plannrToken}` }, validateStatus: () => true });
    expect(logins.status).toBe(200);
    expect(logins.data.data[0].account.uuid).toBe(r.world.plannrAccountUuid);
    expect((await r.api.get("/cases", { headers: { Authorization: "Bearer extra-token" } })).status).toBe(401);
    r.sim.addToken("extra-token");
    expect((await r.api.get("/cases", { headers: { Authorization: "Bearer extra-token" } })).status).toBe(200);
  });

  it("answers 404 {message} for an unknown path", async () => {
    const r = await start();
    const response = await r.api.get("/no-such-thing");
    expect(response.status).toBe(404);
    expect(response.data).toEqual({ message: "Not Found" });
  });
});

describe("Plannr simulator: lists", () => {
  it("pages with Laravel's envelope and answers a page past the end with 200 and no data", async () => {
    const r = await start();
    const page2 = await r.api.get("/cases", { params: { page: 2, per_page: 10 } });
    expect(page2.status).toBe(200);
    expect(page2.data.data).toHaveLength(10);
    expect(page2.data.meta).toEqual({ current_page: 2, from: 11, last_page: 4, per_page: 10, to: 20, total: 40, path: `${r.url}/api/v1/cases` });
    expect(page2.data.links.prev).toContain("page=1");
    expect(page2.data.links.next).toContain("page=3");
    expect(page2.data.links.last).toContain("page=4");
    const past = await r.api.get("/cases", { params: { page: 9, per_page: 10 } });
    expect(past.status).toBe(200);
    expect(past.data.data).toEqual([]);
    expect(past.data.meta).toMatchObject({ current_page: 9, from: null, to: null, total: 40 });
    expect(past.data.links.next).toBeNull();
    const defaults = await r.api.get("/cases");
    expect(defaults.data.meta.per_page).toBe(15);
    expect(defaults.data.data).toHaveLength(15);
  });

  it("refuses per_page over 500 with a 422 validation body, and allows 500", async () => {
    const r = await start();
    const tooMany = await r.api.get("/cases", { params: { per_page: 501 } });
    expect(tooMany.status).toBe(422);
    expect(tooMany.data.errors.per_page[0]).toMatch(/500/);
    expect(typeof tooMany.data.message).toBe("string");
    expect((await r.api.get("/cases", { params: { per_page: 500 } })).data.data).toHaveLength(40);
  });

  it("sorts by name by default, honours -field, and pages through every case exactly once", async () => {
    const r = await start();
    const seen: string[] = [];
    const names: string[] = [];
    for (let page = 1; page <= 6; page += 1) {
      const response = await r.api.get("/cases", { params: { page, per_page: 7 } });
      for (const item of response.data.data) {
        seen.push(item.uuid);
        names.push(item.name.toLowerCase());
      }
    }
    expect(new Set(seen).size).toBe(40);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const byValue = await r.api.get("/cases", { params: { sort: "-value", per_page: 500 } });
    const values = byValue.data.data.map((c: { value: { amount: string } | null }) => (c.value === null ? -1 : Number(c.value.amount)));
    expect(values).toEqual([...values].sort((a: number, b: number) => b - a));
  });

  it("answers 400 {message} for an unknown sort or include", async () => {
    const r = await start();
    const sort = await r.api.get("/cases", { params: { sort: "updated_at" } });
    expect(sort.status).toBe(400);
    expect(sort.data.message).toMatch(/updated_at/);
    const include = await r.api.get("/cases", { params: { include: "participants,tasks" } });
    expect(include.status).toBe(400);
    expect(include.data.message).toMatch(/tasks/);
  });

  it("serves statuses, custom field definitions and accounts with their filters", async () => {
    const r = await start();
    const statuses = await r.api.get("/cases-status");
    expect(statuses.data.data.map((s: { name: string }) => s.name)).toEqual(r.world.statuses.map((s) => s.name));
    expect(Object.keys(statuses.data.data[0]).sort()).toEqual(["colour", "created_at", "is_type_completed", "name", "position", "updated_at", "uuid"]);
    const fields = await r.api.get("/custom-field", { params: { "filter[model_type]": "case" } });
    expect(fields.data.data).toHaveLength(r.world.plannrFields.length);
    const lender = fields.data.data.find((f: { reference: string }) => f.reference === "lender");
    expect(lender.conditions).toEqual([{ attribute: "type", values: [mortgageType(r.world)] }]);
    expect(lender).toMatchObject({ type: "string", is_required: false, model_type: "case" });
    expect((await r.api.get("/custom-field", { params: { "filter[model_type]": "client" } })).data.data).toEqual([]);
    const employees = await r.api.get("/account", { params: { "filter[type]": "employee" } });
    expect(employees.data.data).toHaveLength(r.world.staff.length);
    expect(employees.data.data.every((a: { type: string }) => a.type === "employee")).toBe(true);
    const max = await r.api.get("/account", { params: { "filter[primary_email]": "MAX.MixedCase@client.example" } });
    expect(max.data.data).toHaveLength(1);
    expect(max.data.data[0]).toMatchObject({ type: "client", role: "client", first_name: "Max", last_name: "Mixedcase", name: "Max Mixedcase", primary_email: "max.mixedcase@client.example" });
    const joint = await r.api.get("/account", { params: { "filter[primary_email]": "the.joneses@client.example" } });
    expect(joint.data.data).toHaveLength(2);
  });
});

describe("Plannr simulator: case resources", () => {
  it("wraps a single case in data, with money in pennies and UK-offset timestamps; no includes by default", async () => {
    const r = await start();
    const seed = r.world.plannrCases.find((c) => c.value !== null && c.typeUuid !== null);
    const response = await r.api.get(`/cases/${seed?.uuid}`);
    expect(response.status).toBe(200);
    const item = response.data.data;
    expect(item.uuid).toBe(seed?.uuid);
    expect(item.value).toEqual({ amount: String(seed?.value), currency: "GBP", formatted: expect.stringMatching(/^£[\d,]+\.\d{2}$/) });
    expect(item.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[01]:00$/);
    expect(item.status).toMatchObject({ uuid: seed?.statusUuid });
    expect(item.type).toMatchObject({ uuid: seed?.typeUuid });
    expect(item.participants_count).toBe(seed?.participantUuids.length);
    expect(item).not.toHaveProperty("participants");
    expect(item).not.toHaveProperty("custom_fields");
  });

  it("includes participants as an array of accounts, every custom field definition (null where unset) and plans as []", async () => {
    const r = await start();
    const seed = r.world.plannrCases.find((c) => c.participantUuids.length > 1 && Object.keys(c.customFields).length > 0);
    const response = await r.api.get(`/cases/${seed?.uuid}`, { params: { include: "participants,custom_fields,plans" } });
    const item = response.data.data;
    expect(Array.isArray(item.participants)).toBe(true);
    expect(item.participants.map((p: { uuid: string }) => p.uuid)).toEqual(seed?.participantUuids);
    expect(Object.keys(item.participants[0])).toEqual(expect.arrayContaining(["uuid", "type", "role", "first_name", "last_name", "name", "email", "primary_email"]));
    expect(item.custom_fields).toHaveLength(r.world.plannrFields.length);
    for (const field of item.custom_fields) {
      expect(Object.keys(field)).toEqual(expect.arrayContaining(["uuid", "name", "reference", "type", "value", "is_required", "selection_options", "help_text", "created_at", "updated_at"]));
      const seeded = seed?.customFields[field.reference];
      if (seeded === undefined) expect(field.value).toBeNull();
      else if (field.type !== "datetime") expect(field.value).toBe(seeded);
    }
    expect(item.plans).toEqual([]);
  });

  it("formats timestamps in London time: +01:00 in summer, +00:00 in winter, and accepts any ISO-8601 input", async () => {
    const r = await start();
    const summer = await createCase(r, { review_at: "2026-01-10" });
    expect(summer.created_at).toBe("2025-06-24T10:15:12+01:00");
    expect(summer.review_at).toBe("2026-01-10T00:00:00+00:00");
    r.clock.ms = Date.UTC(2025, 11, 1, 8, 0, 0);
    const updated = await r.api.put(`/cases/${summer.uuid}`, { review_at: "2026-07-01T12:00:00Z" });
    expect(updated.data.data.updated_at).toBe("2025-12-01T08:00:00+00:00");
    expect(updated.data.data.review_at).toBe("2026-07-01T13:00:00+01:00");
    const bad = await r.api.put(`/cases/${summer.uuid}`, { review_at: "next tuesday" });
    expect(bad.status).toBe(422);
    expect(bad.data.errors).toHaveProperty("review_at");
  });
});

describe("Plannr simulator: create", () => {
  it("answers 201 with the case, defaulting to the first status, ignoring custom_fields", async () => {
    const r = await start();
    const response = await r.api.post("/cases", {
      name: "New mortgage",
      participants: [clientsOf(r.world)[1], employeeOf(r.world)],
      assigned_to_uuids: [employeeOf(r.world)],
      type: mortgageType(r.world),
      value: 15099,
      custom_fields: { lender: "Halifax" },
    });
    expect(response.status).toBe(201);
    const item = response.data.data;
    expect(item.status.uuid).toBe(r.world.statuses.find((s) => s.position === 1)?.uuid);
    expect(item.value).toEqual({ amount: "15099", currency: "GBP", formatted: "£150.99" });
    expect(item.participants_count).toBe(2);
    expect(item.completed_at).toBeNull();
    expect(r.sim.getCase(item.uuid)?.customFields).toEqual({});
  });

  it("refuses a case without a client participant (422 keyed participants)", async () => {
    const r = await start();
    const noClient = await r.api.post("/cases", { name: "Staff only", participants: [employeeOf(r.world)] });
    expect(noClient.status).toBe(422);
    expect(noClient.data).toEqual({ message: expect.any(String), errors: { participants: [expect.any(String)] } });
    const missing = await r.api.post("/cases", { name: "Nobody" });
    expect(missing.status).toBe(422);
    expect(missing.data.errors).toHaveProperty("participants");
    const unknown = await r.api.post("/cases", { name: "Ghost", participants: ["11111111-1111-4111-8111-111111111111", clientsOf(r.world)[0]] });
    expect(unknown.status).toBe(422);
    expect(unknown.data.errors).toHaveProperty(["participants.0"]);
    expect(r.sim.listCases()).toHaveLength(40);
  });

  it("validates name, value in integer pennies, and employee assignees", async () => {
    const r = await start();
    const client = clientsOf(r.world)[0];
    const long = await r.api.post("/cases", { name: "x".repeat(256), participants: [client] });
    expect(long.status).toBe(422);
    expect(long.data.errors).toHaveProperty("name");
    const pounds = await r.api.post("/cases", { name: "Decimal", participants: [client], value: 40.5 });
    expect(pounds.status).toBe(422);
    expect(pounds.data.errors).toHaveProperty("value");
    const assignee = await r.api.post("/cases", { name: "Client assignee", participants: [client], assigned_to_uuids: [client] });
    expect(assignee.status).toBe(422);
    expect(assignee.data.errors).toHaveProperty(["assigned_to_uuids.0"]);
    // `max:255` counts characters (mb_strlen), not UTF-16 code units.
    const wide = await r.api.post("/cases", { name: "\u{1F3E1}".repeat(255), participants: [client], type: mortgageType(r.world) });
    expect(wide.status).toBe(201);
    const lender = await r.api.put(`/cases/${wide.data.data.uuid}`, { custom_fields: { lender: "\u{1F3E6}".repeat(255) } });
    expect(lender.status).toBe(200);
    const wider = await r.api.post("/cases", { name: "\u{1F3E1}".repeat(256), participants: [client] });
    expect(wider.status).toBe(422);
    const blank = await r.api.post("/cases", { name: "   ", participants: [client] });
    expect(blank.status).toBe(422);
    expect(blank.data.errors.name[0]).toMatch(/required/);
  });
});

describe("Plannr simulator: update", () => {
  it("is partial: fields left out stay, and updated_at moves only when something changed", async () => {
    const r = await start();
    const created = await createCase(r, { value: 4000, assigned_to_uuids: [employeeOf(r.world)], review_at: "2026-03-01T09:00:00+00:00" });
    r.clock.ms += 60_000;
    const renamed = await r.api.put(`/cases/${created.uuid}`, { name: "Renamed" });
    expect(renamed.status).toBe(200);
    const item = renamed.data.data;
    expect(item.name).toBe("Renamed");
    expect(item.value).toEqual(created.value);
    expect(item.assigned_to_uuids).toEqual(created.assigned_to_uuids);
    expect(item.review_at).toBe(created.review_at);
    expect(item.status).toEqual(created.status);
    expect(item.updated_at).toBe("2025-06-24T10:16:12+01:00");
    r.clock.ms += 60_000;
    const same = await r.api.put(`/cases/${created.uuid}`, { name: "Renamed" });
    expect(same.data.data.updated_at).toBe("2025-06-24T10:16:12+01:00");
  });

  it("trims strings and reads empty strings as null (so an empty name is required)", async () => {
    const r = await start();
    const created = await createCase(r);
    const trimmed = await r.api.put(`/cases/${created.uuid}`, { name: "  Spaced out  ", custom_fields: { notes: "  a note \n" } });
    expect(trimmed.status).toBe(200);
    expect(trimmed.data.data.name).toBe("Spaced out");
    expect(r.sim.getCase(created.uuid)?.customFields.notes).toBe("a note");
    const cleared = await r.api.put(`/cases/${created.uuid}`, { custom_fields: { notes: "" } });
    expect(cleared.status).toBe(200);
    expect(r.sim.getCase(created.uuid)?.customFields).not.toHaveProperty("notes");
    const empty = await r.api.put(`/cases/${created.uuid}`, { name: "" });
    expect(empty.status).toBe(422);
    expect(empty.data.errors.name[0]).toMatch(/required/);
    expect(r.sim.getCase(created.uuid)?.name).toBe("Spaced out");
  });

  it("takes custom fields by reference, validated by type, and refuses unknown references and options", async () => {
    const r = await start();
    const created = await createCase(r);
    const good = await r.api.put(`/cases/${created.uuid}`, {
      custom_fields: { favourite_drink: "Tea", risk_score: 7, vulnerable_client: true, next_meeting: "2026-02-03" },
    });
    expect(good.status).toBe(200);
    const read = await r.api.get(`/cases/${created.uuid}`, { params: { include: "custom_fields" } });
    const byRef = Object.fromEntries(read.data.data.custom_fields.map((f: { reference: string; value: unknown }) => [f.reference, f.value]));
    expect(byRef).toMatchObject({ favourite_drink: "Tea", risk_score: 7, vulnerable_client: true, next_meeting: "2026-02-03T00:00:00+00:00", lender: null });
    const unknown = await r.api.put(`/cases/${created.uuid}`, { custom_fields: { favourite_food: "Cake" } });
    expect(unknown.status).toBe(422);
    expect(unknown.data.errors).toHaveProperty(["custom_fields.favourite_food"]);
    const option = await r.api.put(`/cases/${created.uuid}`, { custom_fields: { favourite_drink: "Juice" } });
    expect(option.status).toBe(422);
    expect(option.data.errors).toHaveProperty(["custom_fields.favourite_drink"]);
    const number = await r.api.put(`/cases/${created.uuid}`, { custom_fields: { risk_score: "high" } });
    expect(number.status).toBe(422);
    expect(r.sim.getCase(created.uuid)?.customFields.favourite_drink).toBe("Tea");
  });

  it("refuses a conditional field the case's type does not meet, and accepts it with a type change in the same PUT", async () => {
    const r = await start();
    const created = await createCase(r, { type: pensionType(r.world) });
    const refused = await r.api.put(`/cases/${created.uuid}`, { custom_fields: { lender: "Halifax" } });
    expect(refused.status).toBe(422);
    expect(refused.data.errors).toHaveProperty(["custom_fields.lender"]);
    const accepted = await r.api.put(`/cases/${created.uuid}`, { type: mortgageType(r.world), custom_fields: { lender: "Halifax" } });
    expect(accepted.status).toBe(200);
    expect(accepted.data.data.type.uuid).toBe(mortgageType(r.world));
    expect(r.sim.getCase(created.uuid)?.customFields.lender).toBe("Halifax");
  });

  it("sets completed_at when the case enters a completed status and clears it on the way back; an explicit value wins", async () => {
    const r = await start();
    const created = await createCase(r, { status: statusNamed(r.world, "In Progress") });
    expect(created.completed_at).toBeNull();
    r.clock.ms += 3_600_000;
    const done = await r.api.put(`/cases/${created.uuid}`, { status: statusNamed(r.world, "Completed") });
    expect(done.data.data.completed_at).toBe("2025-06-24T11:15:12+01:00");
    expect(done.data.data.status.is_type_completed).toBe(true);
    const reopened = await r.api.put(`/cases/${created.uuid}`, { status: statusNamed(r.world, "New") });
    expect(reopened.data.data.completed_at).toBeNull();
    const explicit = await r.api.put(`/cases/${created.uuid}`, { status: statusNamed(r.world, "Cancelled"), completed_at: "2025-01-02T10:00:00+00:00" });
    expect(explicit.data.data.completed_at).toBe("2025-01-02T10:00:00+00:00");
  });

  it("ignores participants on PUT and answers 404 for an unknown case", async () => {
    const r = await start();
    const created = await createCase(r);
    const put = await r.api.put(`/cases/${created.uuid}`, { participants: [clientsOf(r.world)[3]] });
    expect(put.status).toBe(200);
    expect(r.sim.getCase(created.uuid)?.participantUuids).toEqual([clientsOf(r.world)[0]]);
    expect((await r.api.put("/cases/00000000-0000-4000-8000-000000000000", { name: "x" })).status).toBe(404);
  });
});

describe("Plannr simulator: participants and deletes", () => {
  it("adds idempotently, refuses to remove the last client (removing nothing), and refuses unknown accounts", async () => {
    const r = await start();
    const [first, second] = clientsOf(r.world);
    const created = await createCase(r);
    const added = await r.api.post(`/cases/${created.uuid}/participants`, { participants: [second, employeeOf(r.world)] });
    expect(added.status).toBe(200);
    expect(added.data.data.participants.map((p: { uuid: string }) => p.uuid)).toEqual([first, second, employeeOf(r.world)]);
    await r.api.post(`/cases/${created.uuid}/participants`, { participants: [second] });
    expect(r.sim.getCase(created.uuid)?.participantUuids).toHaveLength(3);
    const lastClient = await r.api.delete(`/cases/${created.uuid}/participants`, { data: { participants: [first, second] } });
    expect(lastClient.status).toBe(422);
    expect(lastClient.data.errors).toHaveProperty("participants");
    expect(r.sim.getCase(created.uuid)?.participantUuids).toEqual([first, second, employeeOf(r.world)]);
    const one = await r.api.delete(`/cases/${created.uuid}/participants`, { data: { participants: [first] } });
    expect(one.status).toBe(200);
    expect(r.sim.getCase(created.uuid)?.participantUuids).toEqual([second, employeeOf(r.world)]);
    const unknown = await r.api.post(`/cases/${created.uuid}/participants`, { participants: ["22222222-2222-4222-8222-222222222222"] });
    expect(unknown.status).toBe(422);
    expect(unknown.data.errors).toHaveProperty(["participants.0"]);
  });

  it("deletes with 204, after which the case is a 404", async () => {
    const r = await start();
    const uuid = r.world.plannrCases[0]?.uuid ?? "";
    expect((await r.api.delete(`/cases/${uuid}`)).status).toBe(204);
    const gone = await r.api.get(`/cases/${uuid}`);
    expect(gone.status).toBe(404);
    expect(gone.data).toEqual({ message: "Not Found" });
    expect((await r.api.get("/cases")).data.meta.total).toBe(39);
  });
});

describe("Plannr simulator: rate limit", () => {
  it("carries the headers on every answer and answers 429 with Retry-After over the limit, per token", async () => {
    const r = await start({ rateLimit: { limit: 5, windowMs: 1000 } });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await r.api.get("/cases-status");
      expect(response.status).toBe(200);
      expect(response.headers["x-ratelimit-limit"]).toBe("5");
      remaining.push(String(response.headers["x-ratelimit-remaining"]));
    }
    expect(remaining).toEqual(["4", "3", "2", "1", "0"]);
    const limited = await r.api.get("/cases-status");
    expect(limited.status).toBe(429);
    expect(limited.data).toEqual({ message: "Too Many Attempts." });
    expect(limited.headers["retry-after"]).toBe("1");
    expect(limited.headers["x-ratelimit-remaining"]).toBe("0");
    r.sim.addToken("second-token");
    expect((await r.api.get("/cases-status", { headers: { Authorization: "Bearer second-token" } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect((await r.api.get("/cases-status")).status).toBe(200);
  });
});

describe("Plannr simulator: faults", () => {
  it("answers an injected 503 without touching state, then serves normally", async () => {
    const r = await start();
    r.sim.server.addFault({ kind: "status", status: 503, method: "POST", path: "/api/v1/cases" });
    const failed = await r.api.post("/cases", { name: "Retry me", participants: [clientsOf(r.world)[0]] });
    expect(failed.status).toBe(503);
    expect(failed.headers["x-ratelimit-remaining"]).toBeDefined();
    expect(r.sim.listCases()).toHaveLength(40);
    const retried = await r.api.post("/cases", { name: "Retry me", participants: [clientsOf(r.world)[0]] });
    expect(retried.status).toBe(201);
    expect(r.sim.listCases()).toHaveLength(41);
  });

  it("drop-response commits the write but closes the socket without an answer", async () => {
    const r = await start();
    r.sim.server.addFault({ kind: "drop-response", method: "POST", path: "/api/v1/cases" });
    await expect(r.api.post("/cases", { name: "Lost answer", participants: [clientsOf(r.world)[0]] })).rejects.toThrow();
    const created = r.sim.listCases().filter((c) => c.name === "Lost answer");
    expect(created).toHaveLength(1);
    expect(r.sim.server.requests({ method: "POST" })[0]?.dropped).toBe(true);
  });
});

describe("Plannr simulator: determinism and direct access", () => {
  it("builds the same state from the same seed, including the uuids of new cases", async () => {
    const a = await start({ seed: 11 });
    const b = await start({ seed: 11 });
    expect(a.sim.listCases()).toEqual(b.sim.listCases());
    const fromA = await createCase(a);
    const fromB = await createCase(b);
    expect(fromA.uuid).toBe(fromB.uuid);
    const other = await start({ seed: 12 });
    expect(other.sim.listCases().map((c) => c.uuid)).not.toEqual(a.sim.listCases().map((c) => c.uuid));
  });

  it("edits directly as a user would, bumping updated_at and following the same rules", async () => {
    const r = await start();
    const created = r.sim.createCaseDirect({ name: "From the UI", participantUuids: [clientsOf(r.world)[0] ?? ""], typeUuid: mortgageType(r.world), customFields: { lender: "Barclays" } });
    expect(created.customFields.lender).toBe("Barclays");
    r.clock.ms += 5_000;
    r.sim.editCase(created.uuid, { value: 12345, statusUuid: statusNamed(r.world, "Completed") });
    const edited = r.sim.getCase(created.uuid);
    expect(edited?.value).toBe(12345);
    expect(edited?.updatedAt).toBe("2025-06-24T10:15:17+01:00");
    expect(edited?.completedAt).toBe("2025-06-24T10:15:17+01:00");
    expect(() => r.sim.removeParticipant(created.uuid, clientsOf(r.world)[0] ?? "")).toThrow(PlannrValidationError);
    r.sim.addParticipant(created.uuid, clientsOf(r.world)[2] ?? "");
    expect(r.sim.getCase(created.uuid)?.participantUuids).toHaveLength(2);
    r.sim.deleteCase(created.uuid);
    expect(r.sim.getCase(created.uuid)).toBeUndefined();
  });

  it("exposes state over the control API and counts answered requests without control calls", async () => {
    const r = await start();
    await r.api.get("/cases");
    await axios.get(`${r.url}/api/v1/cases`, { validateStatus: () => true });
    await r.api.get("/cases/unknown");
    const state = await axios.get(`${r.url}/__sandbox/state`);
    expect(state.status).toBe(200);
    expect(state.data.cases).toHaveLength(40);
    expect(state.data.cases[0]).toEqual(r.sim.listCases()[0]);
    await axios.get(`${r.url}/__sandbox/log`);
    const uuid = r.world.plannrCases[1]?.uuid ?? "";
    const edit = await axios.patch(`${r.url}/__sandbox/cases/${uuid}`, { name: "Edited elsewhere" });
    expect(edit.data.data.name).toBe("Edited elsewhere");
    const refused = await axios.patch(`${r.url}/__sandbox/cases/${uuid}`, { statusUuid: "no-such-status" }, { validateStatus: () => true });
    expect(refused.status).toBe(422);
    expect(r.sim.getCase(uuid)?.name).toBe("Edited elsewhere");
    expect(r.sim.requestCount()).toBe(3);
  });
});
