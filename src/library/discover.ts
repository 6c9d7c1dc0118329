// Discovery for `init` (and the demo): reads both systems, creates the link field when asked,
// samples the portal's Date fields, and renders a mapping that is checked to load.
import { createOnlyofficeAdapter } from "../../adapters/onlyoffice/adapter.js";
import { createPlannrAdapter } from "../../adapters/plannr/adapter.js";
import type { OnlyofficeConnection, TokenProvider } from "../core/config.js";
import { defaultMapping, MappingSchema } from "../core/mapping.js";
import { silentLogger, type Logger } from "../core/ports.js";
import { parseOnlyofficeConnection, parsePlannrConnection } from "./options.js";
import { parseMapping } from "../mapping/load.js";
import { LINK_FIELD_LABEL, proposeMapping, type Proposal } from "../mapping/propose.js";
import { renderMapping } from "../mapping/render.js";

const SAMPLE_CASES = 500;

export interface Discovery {
  text: string;
  proposal: Proposal;
  /** The link field init created, if it did. */
  createdLinkField: number | null;
}

/** Texts typed into ONLYOFFICE Date fields, read through a provisional mapping that treats them as text. */
async function sampleDates(connection: OnlyofficeConnection, dateFieldIds: readonly number[], logger: Logger): Promise<string[]> {
  if (dateFieldIds.length === 0) return [];
  const provisional = MappingSchema.parse({ customFields: dateFieldIds.map((id) => ({ key: `d${id}`, plannr: `d${id}`, onlyoffice: id, type: "text" })) });
  const sampler = createOnlyofficeAdapter({ connection, mapping: provisional, logger });
  const samples: string[] = [];
  let seen = 0;
  try {
    for await (const item of sampler.listCases()) {
      if (item.kind !== "record") continue;
      for (const value of Object.values(item.record.case.customFields)) if (typeof value === "string") samples.push(value);
      if ((seen += 1) >= SAMPLE_CASES) break;
    }
  } finally {
    sampler.close();
  }
  return samples;
}

/** What `case-sync init` does, for a library user: connections as `createSync` takes them (validated here). */
export async function discoverMapping(input: {
  plannr: { baseUrl: string; token: string | TokenProvider; accountUuid: string };
  onlyoffice: { baseUrl: string; token?: string | undefined; username?: string | undefined; password?: string | undefined };
  createLinkFields: boolean;
  logger?: Logger;
  source?: string;
  /** Accept http:// base URLs for hosts other than this machine (the token then travels in clear). */
  allowInsecureHttp?: boolean;
}): Promise<Discovery> {
  const mapping = defaultMapping();
  const logger = input.logger ?? silentLogger;
  const policy = { allowInsecureHttp: input.allowInsecureHttp === true };
  const plannrConnection = parsePlannrConnection(input.plannr, policy);
  const onlyofficeConnection = parseOnlyofficeConnection(input.onlyoffice, policy);
  const plannr = createPlannrAdapter({ connection: plannrConnection, mapping, logger });
  const onlyoffice = createOnlyofficeAdapter({ connection: onlyofficeConnection, mapping, logger });
  try {
    const [plannrRef, onlyofficeRef] = await Promise.all([plannr.listReference(), onlyoffice.listReference()]);
    let created: number | null = null;
    const hasLink = onlyofficeRef.customFields.some((f) => f.label.trim().toLowerCase() === LINK_FIELD_LABEL.toLowerCase());
    if (!hasLink && input.createLinkFields) created = await onlyoffice.createCaseField(LINK_FIELD_LABEL, 0, JSON.stringify({ size: 40 }));
    const dateFields = onlyofficeRef.customFields.filter((f) => f.nativeType === "Date").map((f) => Number(f.id));
    const samples = await sampleDates(onlyofficeConnection, dateFields, logger);
    const proposal = proposeMapping({ plannr: plannrRef, onlyoffice: onlyofficeRef, dateSamples: samples, createdLinkField: created });
    const [p, o] = await Promise.all([plannr.describe(), onlyoffice.describe()]);
    const text = renderMapping(proposal, { plannr: p.label, onlyoffice: o.label, generatedAt: new Date().toISOString() });
    parseMapping(text, input.source ?? "the generated mapping"); // what init writes must load
    return { text, proposal, createdLinkField: created };
  } finally {
    plannr.close();
    onlyoffice.close();
  }
}
