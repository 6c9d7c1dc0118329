// The ONLYOFFICE simulator over real HTTP: every trap of reference/onlyoffice-api.md that the
// adapter and the engine rely on being reproduced (envelope, auth, paging quirks, PUT traps,
// visibility, faults, determinism).
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { OnlyofficeSimulator, type OnlyofficeSimulatorOptions } from "../../src/sandbox/onlyoffice/simulator.js";
import { createWorld, type World } from "../../src/sandbox/world.js";

const FORM = { "Content-Type": "application/x-www-form-urlencoded" };
const DATE_FORMAT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.0000000(Z|[+-]\d{2}:\d{2})$/;

interface Portal {
  world: World;
  sim: OnlyofficeSimulator;
  base: string;
  /** Authenticated as the integration user (a portal administrator). */
  api: AxiosInstance;
  as: (token: string | null) => AxiosInstance;
}

const running: OnlyofficeSimulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
});

async function start(options: Partial<OnlyofficeSimulatorOptions> = {}, seed = 42): Promise<Portal> {
  const world = options.world ?? createWorld({ seed, cases: 160 });
  const sim = new OnlyofficeSimulator({ ...options, world });
  running.push(sim);
  const base = await sim.listen(0);
  const as = (token: string | null) =>
    axios.create({
      baseURL: `${base}/api/2.0/`,
      headers: token === null ? {} : { Authorization: token },
      validateStatus: () => true,
    });
  return { world, sim, base, api: as(world.onlyofficeToken), as };
}

const integration = (world: World) => world.staff.find((s) => s.isIntegrationUser)!;
const employees = (world: World) => world.staff.filter((s) => !s.isIntegrationUser);
const ids = (res: AxiosResponse) => (res.data.response as { id: number }[]).map((c) => c.id);

describe("authentication", () => {
  it("answers 201 with a token that then authenticates (JSON and form bodies)", async () => {
    const { world, as } = await start();
    const anonymous = as(null);
    const json = await anonymous.post("authentication", { userName: world.onlyofficeUsername, password: world.onlyofficePassword });
    expect(json.status).toBe(201);
    expect(json.data).toMatchObject({ count: 1, status: 0, statusCode: 201 });
    expect(json.data.response.token).toEqual(expect.any(String));
    expect(json.data.response.expires).toMatch(DATE_FORMAT);

    const form = await anonymous.post(
      "authentication.json",
      `userName=${encodeURIComponent(world.onlyofficeUsername)}&password=${encodeURIComponent(world.onlyofficePassword)}`,
      { headers: FORM },
    );
    expect(form.status).toBe(201);

    const self = await as(json.data.response.token).get("people/@self");
    expect(self.status).toBe(200);
    expect(self.data.response).toMatchObject({ id: integration(world).onlyofficeId, isAdmin: true, email: integration(world).email });
  });

  it("answers a bad password with a 500 envelope, and blocks the login after 5 failures in 60 s", async () => {
    let clock = Date.UTC(2025, 5, 1, 10, 0, 0);
    const { world, as } = await start({ now: () => new Date(clock) });
    const anonymous = as(null);
    const bad = await anonymous.post("authentication", { userName: world.onlyofficeUsername, password: "wrong" });
    expect(bad.status).toBe(500);
    expect(bad.data).toEqual({ status: 1, statusCode: 500, error: { message: "User authentication failed", hresult: expect.any(Number), data: {} } });

    for (let i = 0; i < 4; i += 1) await anonymous.post("authentication", { userName: world.onlyofficeUsername, password: "wrong" });
    const good = { userName: world.onlyofficeUsername, password: world.onlyofficePassword };
    expect((await anonymous.post("authentication", good)).status).toBe(500);
    clock += 61_000;
    expect((await anonymous.post("authentication", good)).status).toBe(201);
  });

  it("answers 401 with a plain-text body for a missing or unknown token", async () => {
    const { as } = await start();
    for (const client of [as(null), as("not-a-token")]) {
      const res = await client.get("crm/case/filter");
      expect(res.status).toBe(401);
      expect(res.headers["content-type"]).toMatch(/^text\/plain/);
      expect(res.data).toBe("Unauthorized");
    }
  });

  it("accepts Bearer and Basic credentials as well as the bare token", async () => {
    const { world, as } = await start();
    expect((await as(`Bearer ${world.onlyofficeToken}`).get("people/@self")).status).toBe(200);
    const basic = Buffer.from(`${world.onlyofficeUsername}:${world.onlyofficePassword}`).toString("base64");
    expect((await as(`Basic ${basic}`).get("people/@self")).status).toBe(200);
    const wrong = Buffer.from(`${world.onlyofficeUsername}:nope`).toString("base64");
    expect((await as(`Basic ${wrong}`).get("people/@self")).status).toBe(401);
  });
});

describe("envelope and paths", () => {
  it("answers bare and .json paths alike, with count 1 for one object and no empty paging keys", async () => {
    const { api, sim } = await start();
    const id = sim.listCases()[0]!.id;
    const bare = await api.get(`crm/case/${id}`);
    const suffixed = await api.get(`crm/case/${id}.json`);
    expect(bare.status).toBe(200);
    expect(suffixed.data).toEqual(bare.data);
    expect(Object.keys(bare.data).sort()).toEqual(["count", "response", "status", "statusCode"]);
    expect(bare.data).toMatchObject({ count: 1, status: 0, statusCode: 200 });
    expect(bare.data.response.created).toMatch(DATE_FORMAT);
    expect((await api.get("crm/case/filter.json")).status).toBe(200);
    expect((await api.get("people/@self.json")).status).toBe(200);
  });

  it("answers every POST with 201 and a missing case with the 404 envelope", async () => {
    const { api } = await start();
    const created = await api.post("crm/case", { title: "Envelope check" });
    expect(created.status).toBe(201);
    expect(created.data.statusCode).toBe(201);
    const missing = await api.get("crm/case/999999");
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject({ status: 1, statusCode: 404, error: { message: "Not found", data: {} } });
  });

  it("prints dates in portal-local time with the portal offset", async () => {
    const { api, sim } = await start({ utcOffsetMinutes: 60 });
    const c = sim.listCases()[0]!;
    const res = await api.get(`crm/case/${c.id}`);
    const utcHour = new Date(c.created).getUTCHours();
    expect(res.data.response.created).toMatch(/\+01:00$/);
    expect(res.data.response.created.slice(11, 13)).toBe(String((utcHour + 1) % 24).padStart(2, "0"));
  });
});

describe("bodies", () => {
  it("takes a form-encoded create with members[], customFieldList[0][key] and accessList[]", async () => {
    const { api, world, sim } = await start();
    const priya = employees(world)[0]!;
    const body = [
      "title=Form+case",
      "members[]=101",
      "members[]=102",
      "customFieldList[0][key]=1",
      "customFieldList[0][value]=Tea",
      "customFieldList[1][key]=6",
      "customFieldList[1][value]=Halifax",
      "isPrivate=true",
      `accessList[]=${priya.onlyofficeId}`,
    ].join("&");
    const res = await api.post("crm/case", body, { headers: FORM });
    expect(res.status).toBe(201);
    const stored = sim.getCase(res.data.response.id)!;
    expect(stored).toMatchObject({ title: "Form case", memberIds: [101, 102], isPrivate: true, customFields: { 1: "Tea", 6: "Halifax" } });
    // The creator is added to a private case's access list.
    expect(stored.accessList.sort()).toEqual([priya.onlyofficeId, integration(world).onlyofficeId].sort());
  });

  it("takes JSON customFieldList as {key,value}, the docs' {Key,Value} and {id: value}; drops empty and unknown entries", async () => {
    const { api, sim } = await start();
    const res = await api.post("crm/case", {
      title: "  JSON case  ",
      members: [101, 999_999],
      customFieldList: [{ key: 1, value: " Coffee " }, { Key: 6, Value: "Barclays" }, { 9: "12.50" }, { key: 2, value: "" }, { key: 77, value: "x" }],
    });
    expect(res.status).toBe(201);
    const stored = sim.getCase(res.data.response.id)!;
    expect(stored.title).toBe("  JSON case  ");
    expect(stored.memberIds).toEqual([101]);
    expect(stored.customFields).toEqual({ 1: "Coffee", 6: "Barclays", 9: "12.50" });
  });

  it("binds a body only under the JSON or form media type (charset allowed)", async () => {
    const { api, sim } = await start();
    const target = sim.listCases().find((c) => !c.isPrivate)!;
    const body = JSON.stringify({ title: "Sent as text" });
    // Not bound: the PUT has no title, which the portal refuses.
    const plain = await api.put(`crm/case/${target.id}`, body, { headers: { "Content-Type": "text/plain" } });
    expect(plain.status).toBe(400);
    const vendor = await api.put(`crm/case/${target.id}`, body, { headers: { "Content-Type": "application/vnd.api+json" } });
    expect(vendor.status).toBe(400);
    expect(sim.getCase(target.id)!.title).toBe(target.title);
    const charset = await api.put(`crm/case/${target.id}`, body, { headers: { "Content-Type": "application/json; charset=utf-8" } });
    expect(charset.status).toBe(200);
    expect(sim.getCase(target.id)!.title).toBe("Sent as text");
  });

  it("does not bind a login sent under another media type either", async () => {
    const { world, as } = await start();
    const login = JSON.stringify({ userName: world.onlyofficeUsername, password: world.onlyofficePassword });
    expect((await as(null).post("authentication", login, { headers: { "Content-Type": "text/plain" } })).status).toBe(500);
    expect((await as(null).post("authentication", login, { headers: { "Content-Type": "application/json" } })).status).toBe(201);
  });

  it("refuses a bool that is not true/false with 400", async () => {
    const { api } = await start();
    const res = await api.post("crm/case", { title: "Bad bool", isPrivate: "yes" });
    expect(res.status).toBe(400);
    expect(res.data.status).toBe(1);
  });
});

describe("paging", () => {
  it("cuts count to the portal cap, reports total and the off-by-one nextIndex, and ends at an empty page", async () => {
    const { api, sim } = await start({ pageCap: 7 });
    const all = sim.listCases().map((c) => c.id);
    expect(all.length).toBe(40);

    const first = await api.get("crm/case/filter", { params: { count: 1000, sortBy: "Id" } });
    expect(ids(first)).toEqual(all.slice(0, 7));
    expect(first.data).toMatchObject({ count: 7, total: 40, nextIndex: 8 });
    expect(first.data.startIndex).toBeUndefined();

    const seen: number[] = [];
    let next = 0;
    for (;;) {
      const page = await api.get("crm/case/filter", { params: { startIndex: next, count: 1000, sortBy: "Id" } });
      if (page.data.response.length === 0) break;
      seen.push(...ids(page));
      next += page.data.response.length;
    }
    expect(seen).toEqual(all);

    const short = await api.get("crm/case/filter", { params: { startIndex: 35, count: 1000, sortBy: "Id" } });
    expect(short.data).toMatchObject({ count: 5, startIndex: 35, total: 40 });
    expect(short.data.nextIndex).toBeUndefined();

    const past = await api.get("crm/case/filter", { params: { startIndex: 45, count: 1000, sortBy: "Id" } });
    expect(past.data.response).toEqual([]);
    expect(past.data.total).toBe(45);
    expect(past.data.count).toBeUndefined();
  });

  it("defaults count to the shipped config's 1000, cut to the portal's cap like any ask", async () => {
    const { api } = await start({ world: createWorld({ seed: 42, cases: 40, onlyofficeCases: 1200 }) });
    const res = await api.get("crm/case/filter");
    expect(res.data.count).toBe(1000);
    expect(res.data).toMatchObject({ total: 1200, nextIndex: 1001 });
    const capped = await start({ pageCap: 7 });
    expect((await capped.api.get("crm/case/filter")).data.count).toBe(7);
  });

  it("sorts by Title with open cases first, and by Id plainly", async () => {
    const { api, sim } = await start();
    expect(sim.listCases().some((c) => c.isClosed)).toBe(true);
    const byTitle = (await api.get("crm/case/filter", { params: { count: 100 } })).data.response as { id: number; title: string; isClosed: boolean }[];
    const firstClosed = byTitle.findIndex((c) => c.isClosed);
    expect(byTitle.slice(firstClosed).every((c) => c.isClosed)).toBe(true);
    const openTitles = byTitle.slice(0, firstClosed).map((c) => c.title.toLowerCase());
    expect(openTitles).toEqual([...openTitles].sort());

    const descending = (await api.get("crm/case/filter", { params: { count: 100, sortBy: "title", sortOrder: "descending" } })).data.response as { isClosed: boolean }[];
    expect(descending[0]!.isClosed).toBe(false);
    expect(descending.at(-1)!.isClosed).toBe(true);

    const byId = await api.get("crm/case/filter", { params: { count: 100, sortBy: "Id" } });
    expect(ids(byId)).toEqual(sim.listCases().map((c) => c.id));
    expect(ids(byId)).not.toEqual(byTitle.map((c) => c.id));
  });

  it("filters by isClosed, contactid and title keywords", async () => {
    const { api, sim } = await start();
    const closed = await api.get("crm/case/filter", { params: { isClosed: true, count: 100 } });
    expect(ids(closed).sort()).toEqual(sim.listCases().filter((c) => c.isClosed).map((c) => c.id).sort());
    const target = sim.listCases()[0]!;
    const byContact = await api.get("crm/case/filter", { params: { contactid: target.memberIds[0], count: 100 } });
    expect(ids(byContact)).toContain(target.id);
    const word = target.title.split(" ")[0]!;
    const byWord = await api.get("crm/case/filter", { params: { filterValue: word.toUpperCase(), count: 100 } });
    expect(ids(byWord)).toContain(target.id);
  });
});

describe("PUT crm/case/{id} traps", () => {
  async function privateCase(portal: Portal) {
    const priya = employees(portal.world)[0]!;
    const created = await portal.api.post("crm/case", { title: "Private", isPrivate: true, accessList: [priya.onlyofficeId], members: [101, 102], customFieldList: [{ key: 1, value: "Tea" }] });
    return { id: created.data.response.id as number, priya };
  }

  it("needs the title every time (400) and refuses more than 255 characters (500) without changing anything", async () => {
    const portal = await start();
    const { id } = await privateCase(portal);
    const before = portal.sim.getCase(id);
    const noTitle = await portal.api.put(`crm/case/${id}`, { isPrivate: false });
    expect(noTitle.status).toBe(400);
    expect(noTitle.data).toMatchObject({ status: 1, statusCode: 400 });
    const long = await portal.api.put(`crm/case/${id}`, { title: "x".repeat(256), isPrivate: true, accessList: before!.accessList });
    expect(long.status).toBe(500);
    expect(portal.sim.getCase(id)).toEqual(before);
    expect((await portal.api.put(`crm/case/${id}`, { title: "y".repeat(255), isPrivate: true, accessList: before!.accessList })).status).toBe(200);
  });

  it("makes a private case public when isPrivate is omitted, even with an access list, or when the list is empty", async () => {
    const portal = await start();
    const { id, priya } = await privateCase(portal);
    const res = await portal.api.put(`crm/case/${id}`, { title: "Private", accessList: [priya.onlyofficeId] });
    expect(res.status).toBe(200);
    expect(res.data.response.isPrivate).toBe(false);
    expect(res.data.response.accessList).toBeUndefined();
    expect(portal.sim.getCase(id)).toMatchObject({ isPrivate: false, accessList: [] });

    await portal.api.put(`crm/case/${id}/access`, { isPrivate: true, accessList: [priya.onlyofficeId] });
    expect(portal.sim.getCase(id)!.isPrivate).toBe(true);
    await portal.api.put(`crm/case/${id}`, { title: "Private", isPrivate: true, accessList: [] });
    expect(portal.sim.getCase(id)!.isPrivate).toBe(false);
  });

  it("keeps members on an empty members list, replaces them on a non-empty one, and clears them on only unknown ids", async () => {
    const portal = await start();
    const { id, priya } = await privateCase(portal);
    const keep = { title: "Private", isPrivate: true, accessList: [priya.onlyofficeId] };
    await portal.api.put(`crm/case/${id}`, { ...keep, members: [] });
    expect(portal.sim.getCase(id)!.memberIds).toEqual([101, 102]);
    await portal.api.put(`crm/case/${id}`, { ...keep, members: [103] });
    expect(portal.sim.getCase(id)!.memberIds).toEqual([103]);
    await portal.api.put(`crm/case/${id}`, { ...keep, members: [999_999] });
    expect(portal.sim.getCase(id)!.memberIds).toEqual([]);
  });

  it("cannot clear a field; the per-field POST with \"\" can", async () => {
    const portal = await start();
    const { id, priya } = await privateCase(portal);
    const res = await portal.api.put(`crm/case/${id}`, { title: "Private", isPrivate: true, accessList: [priya.onlyofficeId], customFieldList: [{ key: 1, value: "" }, { key: 6, value: "Nationwide" }] });
    expect(res.status).toBe(200);
    expect(portal.sim.getCase(id)!.customFields).toEqual({ 1: "Tea", 6: "Nationwide" });

    const cleared = await portal.api.post(`crm/case/${id}/customfield/1`, { fieldValue: "" });
    expect(cleared.status).toBe(201);
    expect(cleared.data.response).toMatchObject({ id: 1, entityId: id, fieldValue: "" });
    expect(portal.sim.getCase(id)!.customFields).toEqual({ 6: "Nationwide" });

    await portal.api.post(`crm/case/${id}/customfield/9`, "fieldValue=+40.00+", { headers: FORM });
    expect(portal.sim.getCase(id)!.customFields[9]).toBe("40.00");
    expect((await portal.api.post(`crm/case/${id}/customfield/77`, { fieldValue: "x" })).status).toBe(500);
    expect((await portal.api.post(`crm/case/${id}/customfield/1`, {})).status).toBe(500);
  });

  it("re-applies access for an admin as the list plus the caller, and leaves it alone for others", async () => {
    const portal = await start();
    const { id, priya } = await privateCase(portal);
    const tom = employees(portal.world)[1]!;
    const res = await portal.api.put(`crm/case/${id}`, { title: "Private", isPrivate: true, accessList: [tom.onlyofficeId] });
    expect(res.data.response.accessList.map((u: { id: string }) => u.id).sort()).toEqual([tom.onlyofficeId, integration(portal.world).onlyofficeId].sort());

    // Tom is on the list but neither admin nor creator: his PUT without isPrivate changes the title only.
    const asTom = portal.as(portal.sim.issueToken(tom.onlyofficeId));
    const put = await asTom.put(`crm/case/${id}`, { title: "Renamed by Tom" });
    expect(put.status).toBe(200);
    expect(portal.sim.getCase(id)).toMatchObject({ title: "Renamed by Tom", isPrivate: true });

    // Priya is no longer on the list: 403 on PUT, 404 on GET.
    const asPriya = portal.as(portal.sim.issueToken(priya.onlyofficeId));
    expect((await asPriya.put(`crm/case/${id}`, { title: "Nope" })).status).toBe(403);
    expect((await asPriya.get(`crm/case/${id}`)).status).toBe(404);
  });
});

describe("case endpoints", () => {
  it("closes and reopens idempotently", async () => {
    const { api, sim } = await start();
    const id = sim.listCases().find((c) => !c.isClosed)!.id;
    for (let i = 0; i < 2; i += 1) {
      const res = await api.put(`crm/case/${id}/close`);
      expect(res.status).toBe(200);
      expect(res.data.response.isClosed).toBe(true);
    }
    expect((await api.put(`crm/case/${id}/reopen.json`)).data.response.isClosed).toBe(false);
    expect(sim.getCase(id)!.isClosed).toBe(false);
  });

  it("adds (201, idempotent) and removes members, each answering with the contact", async () => {
    const { api, sim } = await start();
    const c = sim.createCaseDirect({ title: "Members", memberIds: [101] });
    const added = await api.post(`crm/case/${c.id}/contact`, { contactid: 102 });
    expect(added.status).toBe(201);
    expect(added.data.response).toMatchObject({ id: 102, isCompany: false, commonData: [{ infoType: 1, isPrimary: true }] });
    await api.post(`crm/case/${c.id}/contact`, "contactid=102", { headers: FORM });
    expect(sim.getCase(c.id)!.memberIds).toEqual([101, 102]);
    const listed = await api.get(`crm/case/${c.id}/contact`);
    expect(ids(listed)).toEqual([101, 102]);
    const removed = await api.delete(`crm/case/${c.id}/contact/101`);
    expect(removed.status).toBe(200);
    expect(removed.data.response.id).toBe(101);
    expect(sim.getCase(c.id)!.memberIds).toEqual([102]);
    expect((await api.get("crm/case/999999/contact")).data.response).toEqual([]);
  });

  it("DELETE answers with the deleted case: no values, not private", async () => {
    const { api, sim, world } = await start();
    const c = sim.createCaseDirect({ title: "Doomed", isPrivate: true, accessList: [integration(world).onlyofficeId], customFields: { 1: "Tea" }, memberIds: [101] });
    const res = await api.delete(`crm/case/${c.id}`);
    expect(res.status).toBe(200);
    expect(res.data.response).toMatchObject({ id: c.id, title: "Doomed", isPrivate: false });
    expect(res.data.response.customFields.every((f: { fieldType: number }) => f.fieldType === 4)).toBe(true);
    expect(sim.getCase(c.id)).toBeUndefined();
    expect((await api.get(`crm/case/${c.id}`)).status).toBe(404);
  });

  it("lists field definitions by position and shows headings on every case", async () => {
    const { api, sim, world } = await start();
    const defs = (await api.get("crm/case/customfield/definitions")).data.response as { id: number; entityId: number; position: number; fieldValue: string }[];
    expect(defs.map((d) => d.id)).toEqual(world.onlyofficeFields.map((f) => f.id));
    expect(defs.every((d) => d.entityId === -1 && d.fieldValue === " ")).toBe(true);
    const c = sim.createCaseDirect({ title: "Fields", customFields: { 1: "Water" } });
    const fields = (await api.get(`crm/case/${c.id}`)).data.response.customFields;
    expect(fields).toEqual([
      expect.objectContaining({ id: 1, entityId: c.id, fieldValue: "Water", fieldType: 2 }),
      expect.objectContaining({ id: 7, entityId: 0, fieldValue: "", fieldType: 4 }),
    ]);
  });

  it("creates a field definition for an admin only", async () => {
    const { api, as, sim, world } = await start();
    const created = await api.post("crm/case/customfield", { label: "Plannr case UUID", fieldType: 0, mask: '{"size":40}' });
    expect(created.status).toBe(201);
    expect(created.data.response).toMatchObject({ label: "Plannr case UUID", fieldType: 0, mask: '{"size":40}' });
    const asPriya = as(sim.issueToken(employees(world)[0]!.onlyofficeId));
    expect((await asPriya.post("crm/case/customfield", { label: "Nope", fieldType: 0 })).status).toBe(403);
  });
});

describe("visibility", () => {
  it("hides a private case from a non-admin who is not on its list, and shows it again when made admin", async () => {
    const { api, as, sim, world } = await start();
    const [priya, tom] = employees(world);
    const c = sim.createCaseDirect({ title: "Secret", isPrivate: true, createdBy: priya!.onlyofficeId });
    const asTom = as(sim.issueToken(tom!.onlyofficeId));
    const list = await asTom.get("crm/case/filter", { params: { count: 1000, sortBy: "Id" } });
    expect(ids(list)).not.toContain(c.id);
    expect((await asTom.get(`crm/case/${c.id}`)).status).toBe(404);
    expect(ids(await api.get("crm/case/filter", { params: { count: 1000 } }))).toContain(c.id);
    sim.setAdmin(tom!.onlyofficeId, true);
    expect((await asTom.get(`crm/case/${c.id}`)).status).toBe(200);
  });

  it("hides a contact created with the default shareType from a non-admin, also among case members", async () => {
    const { api, as, sim, world } = await start();
    const created = await api.post("crm/contact/person", { firstName: "Petra", lastName: "" });
    expect(created.status).toBe(201);
    const contact = created.data.response;
    expect(contact).toMatchObject({ firstName: "Petra", shareType: 0, isPrivate: true });
    expect(contact.lastName).toBeUndefined();
    const email = await api.post(`crm/contact/${contact.id}/data`, { infoType: "Email", data: "petra@client.example", isPrimary: true, category: "Work" });
    expect(email.status).toBe(201);
    expect(email.data.response).toMatchObject({ infoType: 1, category: 1, data: "petra@client.example", isPrimary: true });

    const c = sim.createCaseDirect({ title: "With Petra", memberIds: [101, contact.id] });
    const asPriya = as(sim.issueToken(employees(world)[0]!.onlyofficeId));
    expect((await asPriya.get(`crm/contact/${contact.id}`)).status).toBe(404);
    expect((await asPriya.get("crm/contact/bycontactinfo", { params: { infoType: "Email", data: "petra@" } })).data.response).toEqual([]);
    expect(ids(await asPriya.get("crm/contact/filter", { params: { count: 1000 } }))).not.toContain(contact.id);
    expect((await asPriya.get(`crm/case/${c.id}`)).data.response.members.map((m: { id: number }) => m.id)).toEqual([101]);
    expect((await api.get(`crm/case/${c.id}`)).data.response.members.map((m: { id: number }) => m.id)).toEqual([101, contact.id]);

    const shared = await api.post("crm/contact/person", { firstName: "Sid", lastName: "Shared", shareType: 1 });
    expect((await asPriya.get(`crm/contact/${shared.data.response.id}`)).status).toBe(200);
  });
});

describe("contacts and people", () => {
  it("finds contacts by an e-mail substring regardless of case and keeps the stored spelling", async () => {
    const { api } = await start();
    const res = await api.get("crm/contact/bycontactinfo", { params: { infoType: "Email", data: "max.mixedcase@client" } });
    expect(res.data.response).toHaveLength(1);
    expect(res.data.response[0].commonData[0].data).toBe("Max.MixedCase@Client.EXAMPLE");
    expect((await api.get("crm/contact/bycontactinfo", { params: { data: "x" } })).status).toBe(400);
  });

  it("lists contacts newest first by default and filters companies and persons", async () => {
    const { api, world } = await start();
    const all = await api.get("crm/contact/filter", { params: { count: 1000 } });
    const seeded = world.clients.filter((c) => c.onlyofficeId !== null).map((c) => c.onlyofficeId!);
    expect(ids(all)).toEqual([...seeded].sort((a, b) => b - a));
    const companies = await api.get("crm/contact/filter", { params: { count: 1000, contactListView: "Company" } });
    expect(companies.data.response).toEqual([expect.objectContaining({ isCompany: true, companyName: "Acme Holdings" })]);
    const persons = await api.get("crm/contact/filter", { params: { count: 1000, contactListView: "person" } });
    expect(persons.data.response.every((c: { isCompany: boolean }) => !c.isCompany)).toBe(true);
  });

  it("lists people with GUIDs and admin flags, and answers 404 for an unknown e-mail", async () => {
    const { api, world } = await start();
    const people = (await api.get("people")).data.response as { id: string; isAdmin: boolean; email: string }[];
    expect(people.map((p) => p.id)).toEqual(world.staff.map((s) => s.onlyofficeId));
    expect(people.find((p) => p.id === integration(world).onlyofficeId)!.isAdmin).toBe(true);
    const priya = employees(world)[0]!;
    expect((await api.get("people/email", { params: { email: priya.email.toUpperCase() } })).data.response.id).toBe(priya.onlyofficeId);
    expect((await api.get("people/email", { params: { email: "nobody@firm.example" } })).status).toBe(404);
  });
});

describe("faults", () => {
  it("answers an injected 503 once without touching state", async () => {
    const { api, sim } = await start();
    sim.server.addFault({ kind: "status", status: 503, method: "PUT", path: "/close" });
    const id = sim.listCases().find((c) => !c.isClosed)!.id;
    expect((await api.put(`crm/case/${id}/close`)).status).toBe(503);
    expect(sim.getCase(id)!.isClosed).toBe(false);
    expect((await api.put(`crm/case/${id}/close`)).status).toBe(200);
  });

  it("commits a write whose answer is dropped, then closes the socket", async () => {
    const { api, sim } = await start();
    sim.server.addFault({ kind: "drop-response", method: "POST", path: /\/crm\/case$/ });
    await expect(api.post("crm/case", { title: "Lost answer" })).rejects.toThrow();
    expect(sim.listCases().filter((c) => c.title === "Lost answer")).toHaveLength(1);
    expect(sim.requestCount()).toBe(1);
  });
});

describe("control routes", () => {
  it("serves the state as JSON without secrets, and resets to the seeded world", async () => {
    const { api, base, sim, world } = await start();
    await api.post("crm/case", { title: "Made over the API" });
    const state = (await axios.get(`${base}/__sandbox/state`)).data;
    expect(state.cases.map((c: { id: number }) => c.id)).toEqual(sim.listCases().map((c) => c.id));
    expect(state.contacts.length).toBe(world.clients.filter((c) => c.onlyofficeId !== null).length);
    const text = JSON.stringify(state);
    expect(text).not.toContain(world.onlyofficePassword);
    expect(text).not.toContain(world.onlyofficeToken);

    await axios.post(`${base}/__sandbox/reset`);
    expect(sim.listCases().some((c) => c.title === "Made over the API")).toBe(false);
    expect(sim.requestCount()).toBe(0);
  });
});

describe("determinism", () => {
  it("gives the same answers and tokens for the same seed, and different ones for another", async () => {
    const clock = () => new Date(Date.UTC(2025, 0, 1));
    const read = async (seed: number) => {
      const portal = await start({ now: clock }, seed);
      const cases = (await portal.api.get("crm/case/filter", { params: { count: 1000, sortBy: "Id" } })).data;
      const contacts = (await portal.api.get("crm/contact/filter", { params: { count: 1000 } })).data;
      const login = await portal.as(null).post("authentication", { userName: portal.world.onlyofficeUsername, password: portal.world.onlyofficePassword });
      return { cases, contacts, token: login.data.response.token as string };
    };
    const a = await read(7);
    const b = await read(7);
    const c = await read(8);
    expect(b).toEqual(a);
    expect(c.cases).not.toEqual(a.cases);
    expect(c.token).not.toEqual(a.token);
  });
});
