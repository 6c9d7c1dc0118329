// Issue 9 item 6: an `http://` base URL is refused unless it points at this machine (127.0.0.0/8,
// ::1, localhost) or the caller says so (`allowInsecureHttp`, the CLI's `--allow-insecure-http`):
// every request carries the token, and a typo in the scheme would send it in clear.
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { defaultMapping } from "../../src/core/mapping.js";
import { createSync } from "../../src/library/create-sync.js";
import { isLoopbackHost, parseOnlyofficeConnection, parsePlannrConnection } from "../../src/library/options.js";

const plannr = (baseUrl: string) => ({ baseUrl, token: "tok-insecure-0123456789", accountUuid: "acct-1" });
const onlyoffice = (baseUrl: string) => ({ baseUrl, token: "tok-insecure-0123456789" });

function refusal(call: () => unknown): CaseSyncError {
  try {
    call();
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("http:// base URLs (issue 9 item 6)", () => {
  it.each(["http://api.plannrcrm.com", "http://10.0.0.7:8080", "http://127.0.0.1.example.com", "http://localhost.example.com", "http://0.0.0.0:3000", "http://[::2]:80"])(
    "%s is refused with CS_CONFIG naming the field and why",
    (url) => {
      const error = refusal(() => parsePlannrConnection(plannr(url)));
      expect(error.code).toBe("CS_CONFIG");
      expect(error.field).toBe("plannr.baseUrl");
      expect(error.message).toMatch(/^invalid plannr: plannr\.baseUrl: http:\/\/ is refused for .+: the Plannr token would travel in clear; use https:\/\/, or allow it knowingly with --allow-insecure-http \(library option allowInsecureHttp: true\)$/);
    },
  );

  it("the ONLYOFFICE connection is checked the same way, naming the token or password", () => {
    const error = refusal(() => parseOnlyofficeConnection({ baseUrl: "http://portal.example.com/api/2.0", username: "sync@example.com", password: "pw-123456" }));
    expect(error.code).toBe("CS_CONFIG");
    expect(error.field).toBe("onlyoffice.baseUrl");
    expect(error.message).toContain("http:// is refused for portal.example.com: the ONLYOFFICE token or password would travel in clear");
  });

  it.each(["http://127.0.0.1:4010", "http://127.1.2.3", "http://127.1", "http://localhost:4020", "http://LOCALHOST", "http://[::1]:4030", "http://[0:0:0:0:0:0:0:1]"])("loopback %s stays allowed (the sandbox, the tests)", (url) => {
    expect(parsePlannrConnection(plannr(url)).baseUrl).toMatch(/^http:\/\//);
    expect(parseOnlyofficeConnection(onlyoffice(url)).baseUrl).toMatch(/^http:\/\//);
  });

  it("https:// is always accepted; allowInsecureHttp lets http:// through for any host", () => {
    expect(parsePlannrConnection(plannr("https://api.plannrcrm.com")).baseUrl).toBe("https://api.plannrcrm.com");
    expect(parsePlannrConnection(plannr("http://crm.internal.example"), { allowInsecureHttp: true }).baseUrl).toBe("http://crm.internal.example");
    expect(parseOnlyofficeConnection(onlyoffice("http://portal.example.com"), { allowInsecureHttp: true }).baseUrl).toBe("http://portal.example.com");
  });

  it("isLoopbackHost reads the host as WHATWG URL normalises it", () => {
    expect(isLoopbackHost(new URL("http://127.000.000.001").hostname)).toBe(true);
    expect(isLoopbackHost(new URL("http://0x7f.1").hostname)).toBe(true);
    expect(isLoopbackHost(new URL("http://[::1]").hostname)).toBe(true);
    expect(isLoopbackHost(new URL("http://128.0.0.1").hostname)).toBe(false);
    expect(isLoopbackHost(new URL("http://[::ffff:7f00:1]").hostname)).toBe(false);
  });

  it("createSync refuses it too, unless allowInsecureHttp: true", () => {
    const options = { plannr: plannr("http://api.plannrcrm.com"), onlyoffice: onlyoffice("https://portal.example.com"), mapping: defaultMapping(), store: ":memory:" };
    const error = refusal(() => createSync(options));
    expect(error.code).toBe("CS_CONFIG");
    expect(error.field).toBe("plannr.baseUrl");
    const sync = createSync({ ...options, allowInsecureHttp: true });
    expect(sync.plannr.side).toBe("plannr");
    void sync.close();
    expect(refusal(() => createSync({ ...options, allowInsecureHttp: "yes" as unknown as boolean })).field).toBe("allowInsecureHttp");
  });

  it("createSync validates http.maxResponseBytes", () => {
    const options = { plannr: plannr("http://127.0.0.1:1"), onlyoffice: onlyoffice("http://127.0.0.1:2"), mapping: defaultMapping(), store: ":memory:" };
    expect(refusal(() => createSync({ ...options, http: { maxResponseBytes: 0 } })).message).toMatch(/http\.maxResponseBytes/);
    const sync = createSync({ ...options, http: { maxResponseBytes: 1024 } });
    void sync.close();
  });
});
