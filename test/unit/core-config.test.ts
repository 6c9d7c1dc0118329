// Configuration from the environment (SPEC §5 base URLs, §6 variables): validated once, secrets never echoed.
import { describe, expect, it } from "vitest";
import {
  EnvSchema,
  HttpOptionsSchema,
  normalizeBaseUrl,
  ONLYOFFICE_API_PATH,
  OnlyofficeConnectionSchema,
  PLANNR_API_PATH,
  PlannrConnectionSchema,
} from "../../src/core/config.js";

describe("normalizeBaseUrl", () => {
  const plannr: [string, string][] = [
    ["https://api.plannrcrm.com", "https://api.plannrcrm.com"],
    ["https://api.plannrcrm.com/", "https://api.plannrcrm.com"],
    ["https://api.plannrcrm.com///", "https://api.plannrcrm.com"],
    ["https://api.plannrcrm.com/api/v1", "https://api.plannrcrm.com"],
    ["https://api.plannrcrm.com/api/v1/", "https://api.plannrcrm.com"],
    ["https://api.plannrcrm.com/api/v2//", "https://api.plannrcrm.com"],
    ["  https://API.plannrcrm.com:8443/api/v1  ", "https://api.plannrcrm.com:8443"],
    ["http://127.0.0.1:4010", "http://127.0.0.1:4010"],
  ];
  for (const [raw, expected] of plannr) {
    it(`reduces Plannr ${JSON.stringify(raw)} to ${expected}`, () => {
      expect(normalizeBaseUrl(raw, PLANNR_API_PATH)).toBe(expected);
    });
  }

  const onlyoffice: [string, string][] = [
    ["https://portal.example.com", "https://portal.example.com"],
    ["https://portal.example.com/", "https://portal.example.com"],
    ["https://portal.example.com/api/2.0", "https://portal.example.com"],
    ["https://portal.example.com/api/2.0/", "https://portal.example.com"],
    ["https://example.com/office/api/2.0/", "https://example.com/office"],
    ["https://example.com/office//api/2.0", "https://example.com/office"],
  ];
  for (const [raw, expected] of onlyoffice) {
    it(`reduces ONLYOFFICE ${JSON.stringify(raw)} to ${expected}`, () => {
      expect(normalizeBaseUrl(raw, ONLYOFFICE_API_PATH)).toBe(expected);
    });
  }

  it("never ends in a slash", () => {
    for (const raw of ["https://x.example//api/v1", "https://x.example/a//", "https://x.example/a/api/v1///"]) {
      expect(normalizeBaseUrl(raw, PLANNR_API_PATH)).not.toMatch(/\/$/);
    }
  });

  it("strips only the API path of its own system", () => {
    expect(normalizeBaseUrl("https://portal.example.com/api/v1", ONLYOFFICE_API_PATH)).toBe("https://portal.example.com/api/v1");
    expect(normalizeBaseUrl("https://api.plannrcrm.com/api/2.0", PLANNR_API_PATH)).toBe("https://api.plannrcrm.com/api/2.0");
  });

  it("refuses credentials in the URL without echoing them", () => {
    for (const raw of ["https://user:s3cretPass@portal.example.com", "https://t0kenOnly@portal.example.com"]) {
      let thrown: unknown;
      try {
        normalizeBaseUrl(raw, ONLYOFFICE_API_PATH);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(/credentials/);
      expect((thrown as Error).message).not.toMatch(/s3cretPass|t0kenOnly/);
    }
  });

  it("refuses a non-http scheme and text that is no URL", () => {
    expect(() => normalizeBaseUrl("ftp://portal.example.com", ONLYOFFICE_API_PATH)).toThrow(/http\(s\)/);
    expect(() => normalizeBaseUrl("portal.example.com", ONLYOFFICE_API_PATH)).toThrow(TypeError);
  });
});

describe("PlannrConnectionSchema", () => {
  it("normalizes the base URL and trims the token and account", () => {
    const c = PlannrConnectionSchema.parse({ baseUrl: "https://api.plannrcrm.com/api/v1/", token: " tok ", accountUuid: " acc " });
    expect(c).toEqual({ baseUrl: "https://api.plannrcrm.com", token: "tok", accountUuid: "acc" });
  });

  it("names the field of an empty token and an unusable URL, and never echoes a secret", () => {
    const result = PlannrConnectionSchema.safeParse({ baseUrl: "https://me:hunter2hunter2@api.plannrcrm.com", token: "  ", accountUuid: "a" });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join("."));
    expect(paths?.sort()).toEqual(["baseUrl", "token"]);
    expect(JSON.stringify(result.error?.issues)).not.toContain("hunter2");
    expect(result.error?.message).not.toContain("hunter2");
  });
});

describe("OnlyofficeConnectionSchema", () => {
  const baseUrl = "https://portal.example.com/api/2.0";

  it("takes a token", () => {
    expect(OnlyofficeConnectionSchema.parse({ baseUrl, token: "abc" })).toEqual({ baseUrl: "https://portal.example.com", token: "abc" });
  });

  it("takes a username with a password", () => {
    const c = OnlyofficeConnectionSchema.parse({ baseUrl, username: "sync@example.com", password: "pw-123" });
    expect(c.username).toBe("sync@example.com");
    expect(c.password).toBe("pw-123");
  });

  it("refuses neither, a username alone, and a password alone", () => {
    for (const input of [{ baseUrl }, { baseUrl, username: "sync@example.com" }, { baseUrl, password: "pw-123" }]) {
      const result = OnlyofficeConnectionSchema.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/ONLYOFFICE_TOKEN, or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD/);
    }
  });

  it("refuses a blank token", () => {
    const result = OnlyofficeConnectionSchema.safeParse({ baseUrl, token: "   " });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["token"]);
  });
});

describe("EnvSchema", () => {
  it("defaults the state, config and log level", () => {
    expect(EnvSchema.parse({})).toEqual({
      CASE_SYNC_STATE: "./.case-sync/state.db",
      CASE_SYNC_CONFIG: "./case-sync.yaml",
      LOG_LEVEL: "info",
    });
  });

  it("keeps given values and ignores unrelated variables", () => {
    const env = EnvSchema.parse({ PLANNR_TOKEN: "t", LOG_LEVEL: "debug", CASE_SYNC_STATE: "postgres://db/x", PATH: "/usr/bin" });
    expect(env.PLANNR_TOKEN).toBe("t");
    expect(env.LOG_LEVEL).toBe("debug");
    expect(env.CASE_SYNC_STATE).toBe("postgres://db/x");
    expect("PATH" in env).toBe(false);
  });

  it("refuses an unknown log level, naming the variable", () => {
    const result = EnvSchema.safeParse({ LOG_LEVEL: "verbose" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["LOG_LEVEL"]);
  });
});

describe("HttpOptionsSchema", () => {
  it("defaults timeout, concurrency and budget, and bounds concurrency", () => {
    expect(HttpOptionsSchema.parse({})).toEqual({ timeoutMs: 30_000, concurrency: 8, requestBudget: 0 });
    expect(HttpOptionsSchema.safeParse({ concurrency: 0 }).success).toBe(false);
    expect(HttpOptionsSchema.safeParse({ concurrency: 65 }).success).toBe(false);
    expect(HttpOptionsSchema.safeParse({ retries: 3 }).success).toBe(false);
  });
});
