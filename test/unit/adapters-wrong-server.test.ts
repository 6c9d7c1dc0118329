// Issue 10 item 9: a base URL that points at the other system is recognised from the first
// reference call's answer and said as a configuration error naming the URL. Pure recognisers; the
// CLI test (test/e2e/cli-config-mistakes.test.ts) swaps the URLs against the sandboxes.
import { describe, expect, it } from "vitest";
import { notOnlyofficeError } from "../../adapters/onlyoffice/adapter.js";
import { notPlannrError } from "../../adapters/plannr/adapter.js";
import { CaseSyncError } from "../../src/core/errors.js";
import { errorFromResponse } from "../../src/transport/errors.js";

const plannrCall = { side: "plannr" as const, endpoint: "GET /api/v1/cases-status", secrets: [] };
const onlyofficeCall = { side: "onlyoffice" as const, endpoint: "GET /api/2.0/crm/case/customfield/definitions", secrets: [] };

describe("the Plannr side", () => {
  it("a 404 to a reference list, or an HTML page where the list belongs: not Plannr's API", () => {
    const e404 = notPlannrError(errorFromResponse(404, "<html><title>ONLYOFFICE</title></html>", plannrCall), "https://portal.example.com");
    expect(e404).toMatchObject({ code: "CS_CONFIG", field: "plannr.baseUrl" });
    expect(e404?.message).toContain("plannr.baseUrl https://portal.example.com does not serve Plannr's API: GET /api/v1/cases-status answered 404 (the answer mentions ONLYOFFICE)");
    const page = new CaseSyncError("CS_SCHEMA", "GET /api/v1/cases-status answered an unexpected shape: body: expected object, received string", { side: "plannr", field: "body", endpoint: "GET /api/v1/cases-status" });
    expect(notPlannrError(page, "https://portal.example.com")?.code).toBe("CS_CONFIG");
  });

  it("a refused token, a server error or a bad record is not a wrong address", () => {
    for (const status of [401, 403, 429, 500]) expect(notPlannrError(errorFromResponse(status, { message: "x" }, plannrCall), "https://api.plannrcrm.com"), String(status)).toBeNull();
    expect(notPlannrError(new CaseSyncError("CS_SCHEMA", "bad", { field: "data[3].status" }), "https://api.plannrcrm.com")).toBeNull();
    expect(notPlannrError(new Error("boom"), "https://api.plannrcrm.com")).toBeNull();
  });
});

describe("the ONLYOFFICE side", () => {
  it("a 404 to a reference list, or Laravel's 401 body: Plannr's API, not an ONLYOFFICE portal", () => {
    const laravel = notOnlyofficeError(errorFromResponse(401, { message: "Unauthenticated." }, onlyofficeCall), "https://api.plannrcrm.com");
    expect(laravel).toMatchObject({ code: "CS_CONFIG", field: "onlyoffice.baseUrl" });
    expect(laravel?.message).toContain("answered 401 \"Unauthenticated.\" the way Plannr's API does");
    expect(notOnlyofficeError(errorFromResponse(404, { message: "Not Found" }, onlyofficeCall), "https://api.plannrcrm.com")?.code).toBe("CS_CONFIG");
  });

  it("ONLYOFFICE's own 401 (a bad token) and its 500s are not a wrong address", () => {
    expect(notOnlyofficeError(errorFromResponse(401, "Unauthorized", onlyofficeCall), "https://portal.example.com")).toBeNull();
    expect(notOnlyofficeError(errorFromResponse(500, { status: 1, statusCode: 500, error: { message: "User authentication failed" } }, onlyofficeCall), "https://portal.example.com")).toBeNull();
  });
});
