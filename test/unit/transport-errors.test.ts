// One factory builds every transport error from status + body (after stripe-node's Error.ts):
// stable codes, the endpoint, the field a 422 names, retryability, secrets redacted at construction.
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../../src/core/errors.js";
import { errorFromNetwork, errorFromResponse, fieldFromBody, messageFromBody, type CallContext } from "../../src/transport/errors.js";

const TOKEN = "plannr-token-5f3a9c";
const plannr: CallContext = { side: "plannr", endpoint: "PUT /api/v1/cases/{uuid}", record: "case-1", secrets: [TOKEN] };
const onlyoffice: CallContext = { side: "onlyoffice", endpoint: "GET /api/2.0/crm/case/{id}", secrets: [] };

describe("errorFromResponse: status → code", () => {
  const rows: [number, ErrorCode, boolean][] = [
    [400, "CS_VALIDATION", false],
    [401, "CS_AUTH", false],
    [402, "CS_FORBIDDEN", false],
    [403, "CS_FORBIDDEN", false],
    [404, "CS_NOT_FOUND", false],
    [409, "CS_CONFLICT", false],
    [422, "CS_VALIDATION", false],
    [429, "CS_RATE_LIMIT", true],
    [408, "CS_UPSTREAM", true],
    [500, "CS_UPSTREAM", true],
    [502, "CS_UPSTREAM", true],
    [503, "CS_UPSTREAM", true],
    [504, "CS_UPSTREAM", true],
    [418, "CS_UPSTREAM", false],
  ];
  for (const [status, code, retryable] of rows) {
    it(`${status} → ${code}${retryable ? " (retryable)" : ""}`, () => {
      const error = errorFromResponse(status, null, plannr);
      expect(error.code).toBe(code);
      expect(error.retryable).toBe(retryable);
      expect(error.status).toBe(status);
      expect(error.side).toBe("plannr");
      expect(error.endpoint).toBe(plannr.endpoint);
      expect(error.record).toBe("case-1");
      expect(error.message).toBe(`PUT /api/v1/cases/{uuid} answered ${status}: HTTP ${status}`);
    });
  }
});

describe("errorFromResponse: bodies", () => {
  it("reads a Laravel 422 naming the field and every message", () => {
    const body = {
      message: "The given data was invalid.",
      errors: { name: ["The name may not be greater than 255 characters."], "participants.0": ["The selected participant is invalid.", "Another."] },
    };
    const error = errorFromResponse(422, body, plannr);
    expect(error.code).toBe("CS_VALIDATION");
    expect(error.field).toBe("name");
    expect(error.message).toBe(
      "PUT /api/v1/cases/{uuid} answered 422: The given data was invalid. (name: The name may not be greater than 255 characters.; participants.0: The selected participant is invalid. Another.)",
    );
  });

  it("reads Laravel's plain {message} errors", () => {
    expect(errorFromResponse(401, { message: "Unauthenticated." }, plannr).message).toMatch(/answered 401: Unauthenticated\.$/);
    expect(errorFromResponse(403, { message: "This action is unauthorized." }, plannr).field).toBeUndefined();
  });

  it("reads the ONLYOFFICE error envelope", () => {
    const body = { status: 1, statusCode: 404, error: { message: "Not found", hresult: -2146233079, data: {} } };
    const error = errorFromResponse(404, body, onlyoffice);
    expect(error.code).toBe("CS_NOT_FOUND");
    expect(error.message).toBe("GET /api/2.0/crm/case/{id} answered 404: Not found");
    expect(error.side).toBe("onlyoffice");
  });

  it("reads a plain-text body (ONLYOFFICE's 401) and trims it", () => {
    const error = errorFromResponse(401, "Unauthorized\n", onlyoffice);
    expect(error.code).toBe("CS_AUTH");
    expect(error.message).toBe("GET /api/2.0/crm/case/{id} answered 401: Unauthorized");
  });

  it("cuts a long text body (an HTML error page) to 500 characters", () => {
    const error = errorFromResponse(502, `<html>${"x".repeat(2_000)}</html>`, onlyoffice);
    expect(error.message.length).toBeLessThan(600);
  });

  it("falls back to the status for bodies with nothing to say", () => {
    for (const body of [undefined, null, "", "   ", 42, { message: 7 }, { error: "text" }, []]) {
      expect(errorFromResponse(503, body, onlyoffice).message, JSON.stringify(body)).toBe("GET /api/2.0/crm/case/{id} answered 503: HTTP 503");
    }
  });

  it("redacts secrets a server echoes back, also URL-encoded", () => {
    const secret = "p@ss word/42";
    const context: CallContext = { ...onlyoffice, secrets: [secret, TOKEN] };
    const body = { status: 1, statusCode: 500, error: { message: `login failed for password ${secret} (${encodeURIComponent(secret)}) token ${TOKEN}` } };
    const error = errorFromResponse(500, body, context);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(encodeURIComponent(secret));
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain("[REDACTED]");
    expect(JSON.stringify(error.toJSON())).not.toContain(TOKEN);
  });

  it("redacts a secret that a Laravel error lists among field messages", () => {
    const error = errorFromResponse(422, { message: "Invalid.", errors: { token: [`${TOKEN} is not valid`] } }, plannr);
    expect(error.message).not.toContain(TOKEN);
  });
});

describe("messageFromBody and fieldFromBody", () => {
  it("prefer the nested ONLYOFFICE message, then Laravel's", () => {
    expect(messageFromBody({ error: { message: "inner" }, message: "outer" })).toBe("inner");
    expect(messageFromBody({ message: "outer", errors: {} })).toBe("outer");
    expect(messageFromBody({ message: "outer", errors: { a: "not a list" } })).toBe("outer (a: not a list)");
  });

  it("name no field without a Laravel errors object", () => {
    expect(fieldFromBody({ message: "x" })).toBeUndefined();
    expect(fieldFromBody("text")).toBeUndefined();
    expect(fieldFromBody(null)).toBeUndefined();
    expect(fieldFromBody({ errors: { status: ["bad"] } })).toBe("status");
  });
});

describe("errorFromNetwork", () => {
  const failure = (code: string | undefined, message: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

  it("ECONNREFUSED and ECONNRESET are network errors, retryable", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET"]) {
      const error = errorFromNetwork(failure(code, `connect ${code} 127.0.0.1:4010`), plannr);
      expect(error.code).toBe("CS_NETWORK");
      expect(error.retryable).toBe(true);
      expect(error.endpoint).toBe(plannr.endpoint);
      expect(error.side).toBe("plannr");
      expect(error.record).toBe("case-1");
      expect(error.message).toBe(`PUT /api/v1/cases/{uuid} failed: connect ${code} 127.0.0.1:4010`);
      expect(error.status).toBeUndefined();
    }
  });

  it("ETIMEDOUT and axios's ECONNABORTED are timeouts (outcome unknown), retryable", () => {
    for (const code of ["ETIMEDOUT", "ECONNABORTED"]) {
      const error = errorFromNetwork(failure(code, "timeout of 30000ms exceeded"), plannr);
      expect(error.code).toBe("CS_TIMEOUT");
      expect(error.retryable).toBe(true);
    }
  });

  it("a socket hang-up without a code is a network error", () => {
    expect(errorFromNetwork(failure(undefined, "socket hang up"), plannr).code).toBe("CS_NETWORK");
  });

  it("redacts secrets from the underlying message (a URL with a token in it)", () => {
    const error = errorFromNetwork(failure("ECONNREFUSED", `connect ECONNREFUSED https://x.example/?token=${TOKEN}`), plannr);
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).toContain("[REDACTED]");
  });

  it("copes with things thrown that are not errors", () => {
    for (const thrown of [undefined, null, "string failure", 42]) {
      const error = errorFromNetwork(thrown, plannr);
      expect(error.code).toBe("CS_NETWORK");
      expect(error.message).toContain("PUT /api/v1/cases/{uuid} failed: ");
    }
  });
});

describe("upstream text in errors is inert from construction (issue 9 item 4)", () => {
  const HOSTILE = 'no\u001b[2K\u001b]0;owned\u0007\r\n{"level":50,"time":1,"msg":"forged"}\u202e\u009b31m\u007f';
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  it("an error body's message: one line, escapes shown as text", () => {
    for (const body of [{ message: HOSTILE }, { error: { message: HOSTILE } }, HOSTILE, { message: "Invalid.", errors: { name: [HOSTILE] } }]) {
      const error = errorFromResponse(422, body, plannr);
      expect(error.message, JSON.stringify(body)).not.toMatch(ACTIVE);
      expect(error.message).toContain('no\\u001b[2K\\u001b]0;owned\\u0007 {"level":50,"time":1,"msg":"forged"}\\u202e\\u009b31m\\u007f');
    }
  });

  it("the field a 422 names, and the classifier's message", () => {
    const error = errorFromResponse(422, { message: "Invalid.", errors: { [HOSTILE]: ["bad"] } }, plannr);
    expect(error.field).not.toMatch(ACTIVE);
    expect(error.field).toContain("no\\u001b[2K");
    expect(messageFromBody({ error: { message: HOSTILE } })).not.toMatch(ACTIVE);
  });

  it("a network error's message", () => {
    const error = errorFromNetwork(Object.assign(new Error(`connect ECONNREFUSED ${HOSTILE}`), { code: "ECONNREFUSED" }), plannr);
    expect(error.message).not.toMatch(ACTIVE);
    expect(error.message).toContain("no\\u001b[2K");
  });

  it("cuts a long message after redacting it, so a secret across the cut is not half printed", () => {
    const body = `${"x".repeat(490)}${TOKEN}${"y".repeat(100)}`;
    const error = errorFromResponse(502, body, plannr);
    expect(error.message).not.toContain(TOKEN.slice(0, 8));
    expect(error.message.length).toBeLessThan(600);
  });
});
