// The service's cheap ONLYOFFICE scan (issue 11 item 5) against the sandbox over HTTP: a scan hands
// out raw hashes; a scan given them back answers every case `unchanged`; a case edited through the
// portal's API or the simulator's control endpoint comes back decoded, alone; a change to what the
// decoding reads besides the case (a new custom field definition, a new contact, the mapping's
// status table) brings every case back decoded. Small pages, so the scan pages ahead over HTTP.
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnlyofficeConnectionSchema } from "../../src/core/config.js";
import { MappingSchema, type Mapping, type MappingInput } from "../../src/core/mapping.js";
import type { CaseRecord, ScanItem } from "../../src/core/records.js";
import { startSandboxes, type Sandboxes } from "../../src/sandbox/index.js";
import { createOnlyofficeAdapter, type OnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";

const CASES = 40;

let s: Sandboxes;
const adapters: OnlyofficeAdapter[] = [];

beforeAll(async () => {
  s = await startSandboxes({ seed: 11, cases: 0, onlyofficeCases: CASES });
});

afterAll(async () => {
  for (const adapter of adapters) adapter.close();
  await s.close();
});

const fieldId = (label: string): number => {
  const field = s.world.onlyofficeFields.find((f) => f.label === label);
  if (field === undefined) throw new Error(`no ONLYOFFICE field "${label}" in the world`);
  return field.id;
};

function mapping(extra: Partial<MappingInput> = {}): Mapping {
  return MappingSchema.parse({
    onlyoffice: { pageSize: 7 },
    fields: {
      status: { onlyofficeField: fieldId("Status") },
      value: { onlyofficeField: fieldId("Case value") },
      reviewAt: { onlyofficeField: fieldId("Review date") },
      type: { onlyofficeField: fieldId("Case type") },
      groups: { onlyofficeField: fieldId("Groups") },
    },
    customFields: [
      { key: "favourite_drink", plannr: "favourite_drink", onlyoffice: fieldId("Favourite Drink"), type: "select" },
      { key: "risk_score", plannr: "risk_score", onlyoffice: fieldId("Risk score"), type: "number" },
    ],
    ...extra,
  });
}

async function connect(extra: Partial<MappingInput> = {}): Promise<OnlyofficeAdapter> {
  const adapter = createOnlyofficeAdapter({
    connection: OnlyofficeConnectionSchema.parse({ baseUrl: s.onlyofficeUrl, token: s.env.ONLYOFFICE_TOKEN }),
    mapping: mapping(extra),
    http: { concurrency: 4, timeoutMs: 10_000 },
  });
  adapters.push(adapter);
  await adapter.listReference();
  return adapter;
}

interface Scan {
  records: CaseRecord[];
  hashes: Map<string, string>;
  unchanged: string[];
  end: ScanItem | undefined;
}

/** A scan tick: `known` as the service passes it (empty on its first tick). */
async function scan(adapter: OnlyofficeAdapter, known: ReadonlyMap<string, string> = new Map()): Promise<Scan> {
  const out: Scan = { records: [], hashes: new Map(), unchanged: [], end: undefined };
  for await (const item of adapter.listCases({ known })) {
    if (item.kind === "record") {
      out.records.push(item.record);
      if (item.rawHash !== undefined) out.hashes.set(item.record.id, item.rawHash);
    } else if (item.kind === "unchanged") {
      out.unchanged.push(item.id);
      out.hashes.set(item.id, item.rawHash);
    } else if (item.kind === "end") out.end = item;
    else throw new Error(`unexpected invalid case ${item.id}: ${item.issue.message}`);
  }
  return out;
}

const portal = () => axios.create({ baseURL: s.onlyofficeUrl, headers: { Authorization: s.env.ONLYOFFICE_TOKEN ?? "" }, validateStatus: () => true });
const allIds = () => s.onlyoffice.listCases().map((c) => String(c.id)).sort();

describe("scans that skip unchanged cases by their raw hash", () => {
  it("hands out raw hashes, answers unchanged cases as such, and decodes only the edited ones", async () => {
    const adapter = await connect();
    const first = await scan(adapter);
    expect(first.end).toEqual({ kind: "end", complete: true, pages: Math.ceil(CASES / 7) + 1 });
    expect(first.records.map((r) => r.id).sort()).toEqual(allIds());
    expect(first.hashes.size).toBe(CASES);
    // A full sync's listing (no `known`) is not asked for raw hashes and pays for none.
    for await (const item of adapter.listCases()) if (item.kind === "record") expect(item.rawHash).toBeUndefined();

    const again = await scan(adapter, first.hashes);
    expect(again.records).toEqual([]);
    expect(again.unchanged.sort()).toEqual(allIds());
    expect(again.hashes).toEqual(first.hashes);
    expect(again.end).toMatchObject({ complete: true });

    // One edit through the portal's API (a custom field value), one through the simulator's control endpoint (a title).
    const [viaApi, viaControl] = s.onlyoffice.listCases().slice(3, 5);
    if (viaApi === undefined || viaControl === undefined) throw new Error("too few cases");
    const set = await portal().post(`/api/2.0/crm/case/${viaApi.id}/customfield/${fieldId("Risk score")}`, { fieldValue: "7" });
    expect(set.status).toBe(201);
    const patched = await axios.patch(`${s.onlyofficeUrl}/__sandbox/cases/${viaControl.id}`, { title: "Renamed through the UI" }, { validateStatus: () => true });
    expect(patched.status).toBe(200);

    const edited = await scan(adapter, first.hashes);
    expect(edited.records.map((r) => r.id).sort()).toEqual([String(viaApi.id), String(viaControl.id)].sort());
    expect(edited.unchanged).toHaveLength(CASES - 2);
    expect(edited.records.find((r) => r.id === String(viaApi.id))?.case.customFields.risk_score).toBe(7);
    expect(edited.records.find((r) => r.id === String(viaControl.id))?.case.title).toBe("Renamed through the UI");
    for (const record of edited.records) expect(edited.hashes.get(record.id)).not.toBe(first.hashes.get(record.id));

    // With the new hashes, nothing is left to decode.
    const settled = await scan(adapter, edited.hashes);
    expect(settled.records).toEqual([]);
    expect(settled.unchanged).toHaveLength(CASES);
  });

  it("decodes every case again after a new custom field definition or a new contact (what decoding reads changed)", async () => {
    const adapter = await connect();
    const known = (await scan(adapter)).hashes;
    expect((await scan(adapter, known)).records).toEqual([]);

    await adapter.createCaseField("Plannr case UUID", 0, JSON.stringify({ size: 40 }));
    const afterField = await scan(adapter, known);
    expect(afterField.unchanged).toEqual([]);
    expect(afterField.records).toHaveLength(CASES);

    const settled = afterField.hashes;
    expect((await scan(adapter, settled)).records).toEqual([]);
    const person = await portal().post("/api/2.0/crm/contact/person", { firstName: "Nora", lastName: "Newcomer", shareType: 1 });
    expect(person.status).toBe(201);
    await adapter.listReference();
    const afterContact = await scan(adapter, settled);
    expect(afterContact.unchanged).toEqual([]);
    expect(afterContact.records).toHaveLength(CASES);
  });

  it("decodes every case again under another mapping (a changed status table)", async () => {
    const known = (await scan(await connect())).hashes;
    expect((await scan(await connect(), known)).records).toEqual([]);
    const statuses = await connect({ statuses: { Prospect: "Lead" } });
    const rescanned = await scan(statuses, known);
    expect(rescanned.unchanged).toEqual([]);
    expect(rescanned.records).toHaveLength(CASES);
  });
});
