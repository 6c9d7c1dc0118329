// Secrets never leak (invariant 12): free-text redaction, secret-named keys masked at any depth,
// the process-wide scrub, and a pino logger that prints no token however it is handed one.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, inertPrettyLine } from "../../src/transport/logger.js";
import { REDACTED, redactText, redactValue, registeredSecrets, registerSecret, scrub } from "../../src/transport/redact.js";

describe("redactText", () => {
  it("replaces every occurrence of each secret", () => {
    expect(redactText("token abcd1234 and again abcd1234", ["abcd1234"])).toBe(`token ${REDACTED} and again ${REDACTED}`);
    expect(redactText("user pw-9876 token tok-5555", ["pw-9876", "tok-5555"])).toBe(`user ${REDACTED} token ${REDACTED}`);
  });

  it("replaces the URL-encoded form (a secret in a query string or a form body)", () => {
    const secret = "a+b/c=d e";
    expect(redactText(`GET /x?token=${encodeURIComponent(secret)}`, [secret])).toBe(`GET /x?token=${REDACTED}`);
    // application/x-www-form-urlencoded writes a space as "+", as the ONLYOFFICE login form is sent.
    const form = new URLSearchParams({ userName: "sync@example.com", password: "pass word!" }).toString();
    expect(redactText(form, ["pass word!"])).toBe(`userName=sync%40example.com&password=${REDACTED}`);
  });

  it("replaces the JSON-escaped form (a secret inside a serialised body or log line)", () => {
    const secret = 'quo"te\\slash';
    expect(redactText(JSON.stringify({ password: secret }), [secret])).toBe(`{"password":"${REDACTED}"}`);
  });

  it("leaves no tail of a longer secret that contains a shorter one", () => {
    const out = redactText("Bearer abcd1234efgh5678", ["abcd1234", "abcd1234efgh5678"]);
    expect(out).toBe(`Bearer ${REDACTED}`);
    expect(out).not.toContain("efgh");
  });

  it("ignores secrets shorter than four characters (they would mangle ordinary text)", () => {
    expect(redactText("abc is fine", ["abc", ""])).toBe("abc is fine");
  });

  it("leaves text without secrets alone", () => {
    expect(redactText("nothing here", [])).toBe("nothing here");
    expect(redactText("nothing here", ["s3cr3t-value"])).toBe("nothing here");
  });
});

describe("redactValue", () => {
  it("masks secret-named keys at any depth and in any letter case", () => {
    const input = {
      user: "sync@example.com",
      password: "pw",
      auth: { Authorization: "Bearer x", nested: { deeper: { access_token: "y", refresh_token: "z", API_KEY: "k", signing_secret: "s" } } },
      list: [{ token: "t" }, { name: "keep" }],
    };
    expect(redactValue(input, [])).toEqual({
      user: "sync@example.com",
      password: REDACTED,
      auth: { Authorization: REDACTED, nested: { deeper: { access_token: REDACTED, refresh_token: REDACTED, API_KEY: REDACTED, signing_secret: REDACTED } } },
      list: [{ token: REDACTED }, { name: "keep" }],
    });
  });

  it("masks the other usual spellings of credentials", () => {
    const input = { accessToken: "a", refreshToken: "b", clientSecret: "c", client_secret: "d", "x-api-key": "e", apiKey: "f", cookie: "g", "set-cookie": ["h"] };
    const out = redactValue(input, []) as Record<string, unknown>;
    for (const key of Object.keys(input)) expect(out[key], key).toBe(REDACTED);
  });

  it("replaces secret values inside ordinary strings and keeps other values as they are", () => {
    const out = redactValue({ message: "failed with tok-12345", count: 3, ok: true, none: null, list: ["tok-12345", 1] }, ["tok-12345"]);
    expect(out).toEqual({ message: `failed with ${REDACTED}`, count: 3, ok: true, none: null, list: [REDACTED, 1] });
  });

  it("does not modify its input", () => {
    const input = { password: "pw", inner: { token: "t" } };
    redactValue(input, ["pw-long"]);
    expect(input).toEqual({ password: "pw", inner: { token: "t" } });
  });

  it("stops at a fixed depth (a cyclic object does not recurse forever)", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(() => redactValue(cyclic, [])).not.toThrow();
  });
});

describe("registerSecret and scrub", () => {
  it("scrubs registered secrets from any text, ignoring empty and short ones", () => {
    registerSecret("registered-secret-1");
    registerSecret(undefined);
    registerSecret(null);
    registerSecret("");
    registerSecret("abc");
    expect(registeredSecrets()).toContain("registered-secret-1");
    expect(registeredSecrets()).not.toContain("abc");
    expect(scrub("boom: registered-secret-1 in a stack")).toBe(`boom: ${REDACTED} in a stack`);
    expect(scrub("abc stays")).toBe("abc stays");
  });
});

describe("createLogger", () => {
  function memoryLogger(level = "trace") {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level, destination });
    return { logger, output: () => chunks.join("") };
  }
  const SECRET = "tok-9f8e7d6c5b4a";

  it("writes JSON lines to the given destination", () => {
    const { logger, output } = memoryLogger();
    logger.info({ endpoint: "GET /x" }, "hello");
    const line = JSON.parse(output().trim().split("\n")[0]!);
    expect(line).toMatchObject({ msg: "hello", endpoint: "GET /x", level: 30 });
  });

  it("writes to the given destination even on a terminal (pretty output is for stderr)", () => {
    const stderr = process.stderr as { isTTY?: boolean | undefined };
    const was = stderr.isTTY;
    stderr.isTTY = true;
    try {
      const { logger, output } = memoryLogger();
      logger.warn("careful");
      expect(output()).toContain("careful");
    } finally {
      stderr.isTTY = was;
    }
  });

  it("never prints a token passed as { token }", () => {
    const { logger, output } = memoryLogger();
    logger.info({ token: SECRET }, "login");
    logger.info({ auth: { token: SECRET, password: SECRET } }, "nested");
    expect(output()).not.toContain(SECRET);
    expect(output()).toContain(REDACTED);
  });

  it("never prints a token passed as { headers: { Authorization } }", () => {
    const { logger, output } = memoryLogger();
    logger.debug({ headers: { Authorization: `Bearer ${SECRET}` } }, "request");
    logger.debug({ request: { headers: { authorization: SECRET } } }, "request");
    logger.debug({ config: { headers: { Authorization: SECRET } } }, "axios");
    expect(output()).not.toContain(SECRET);
  });

  it("never prints a registered token inside a message, a child's bindings or an error", () => {
    registerSecret(SECRET);
    const { logger, output } = memoryLogger();
    logger.info(`calling with ${SECRET}`);
    logger.child({ url: `https://x.example/?token=${encodeURIComponent(SECRET)}` }).warn("child line");
    logger.error({ err: new Error(`upstream said ${SECRET}`) }, "failed");
    expect(output()).toContain("calling with");
    expect(output()).toContain("child line");
    expect(output()).not.toContain(SECRET);
  });

  it("respects the level", () => {
    const { logger, output } = memoryLogger("warn");
    logger.info("quiet");
    logger.warn("loud");
    expect(output()).not.toContain("quiet");
    expect(output()).toContain("loud");
  });

  it("keeps upstream text in its JSON line: no forged line, no raw DEL, C1 or bidi, the text intact once parsed", () => {
    const hostile = 'x\u001b[2K\r\n{"level":50,"time":1,"msg":"forged"}\n\u202e\u009b31m\u007f\u2028y';
    const { logger, output } = memoryLogger();
    logger.error({ title: hostile, err: new Error(hostile) }, hostile);
    logger.child({ label: hostile }).warn("child");
    const lines = output().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(output()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const first = JSON.parse(lines[0]!);
    expect(first.msg).toBe(hostile);
    expect(first.title).toBe(hostile);
    expect(JSON.parse(lines[1]!).label).toBe(hostile);
  });
});

describe("inertPrettyLine (what pino-pretty gets on a terminal)", () => {
  it("makes every string inert before pino-pretty turns JSON escapes back into real characters", () => {
    const hostile = 'x\u001b[2K\r\n{"level":50,"msg":"forged"}\u202e';
    const line = `${JSON.stringify({ level: 50, time: 1, msg: hostile, err: { message: hostile, stack: `Error: ${hostile}\n    at f (a.js:1:1)` }, [hostile]: [hostile] })}\n`;
    const out = inertPrettyLine(line);
    expect(out.endsWith("\n")).toBe(true);
    const parsed = JSON.parse(out);
    expect(parsed.level).toBe(50);
    expect(parsed.msg).toBe('x\\u001b[2K {"level":50,"msg":"forged"}\\u202e');
    expect(parsed.err.stack.split("\n")).toEqual(['Error: x\\u001b[2K {"level":50,"msg":"forged"}\\u202e', "    at f (a.js:1:1)"]);
    for (const value of [parsed.msg, parsed.err.message, ...Object.keys(parsed), ...Object.values(parsed).flat().filter((v) => typeof v === "string")]) {
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(value).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
  });

  it("scrubs registered secrets too", () => {
    registerSecret("tok-pretty-123456");
    expect(inertPrettyLine(`${JSON.stringify({ level: 30, msg: "with tok-pretty-123456" })}\n`)).not.toContain("tok-pretty-123456");
  });
});
