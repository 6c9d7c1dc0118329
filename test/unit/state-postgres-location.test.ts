// Issue 9 item 8: a Postgres URL whose password holds an unencoded `/`, `@` or `:` never shows the
// password (describe(), connection errors, URL errors), and the pool's TLS follows libpq's sslmode
// (URL first, then PGSSLMODE). No database is needed: the store is pointed at a closed port.
import { describe, expect, it } from "vitest";
import { CaseSyncError } from "../../src/core/errors.js";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { parsePostgresLocation, redactPostgresUrl } from "../../src/state/location.js";
import { effectiveSslMode, postgresSsl } from "../../src/state/postgres-tls.js";
import { PostgresStateStore } from "../../src/state/postgres.js";
import { toStateError } from "../../src/state/store-errors.js";

// Digits before the `/`: WHATWG URL then reads "u:1234" as host and port and the rest of the
// password as the path, which is how the password used to reach describe() and errors.
const PASSWORD = "1234/se@cr:et";
const ENCODED = encodeURIComponent(PASSWORD);
const pieces = [PASSWORD, ENCODED, "se@cr", "cr:et", "se%40cr"];

function expectNoPassword(text: string): void {
  for (const piece of pieces) expect(text).not.toContain(piece);
}

async function failure(promise: Promise<unknown>): Promise<CaseSyncError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CaseSyncError) return error;
    throw error;
  }
  throw new Error("did not fail");
}

describe("a password with an unencoded / @ :", () => {
  it("is read up to the last @, so host, port and database are the real ones", () => {
    const location = parsePostgresLocation(`postgres://sync:${PASSWORD}@db.example.com:6432/crm?schema=cs`);
    const url = new URL(location.connectionString);
    expect(url.hostname).toBe("db.example.com");
    expect(url.port).toBe("6432");
    expect(url.pathname).toBe("/crm");
    expect(decodeURIComponent(url.password)).toBe(PASSWORD);
    expect(location.schema).toBe("cs");
    expect(location.description).toBe("postgres://sync:***@db.example.com:6432/crm?schema=cs");
    expect(location.secrets).toEqual(expect.arrayContaining([PASSWORD, ENCODED]));
  });

  it("is absent from describe() and from the error of an unreachable server", async () => {
    const store = new PostgresStateStore({ url: `postgres://sync:${PASSWORD}@127.0.0.1:1/crm`, pgSslMode: undefined });
    expectNoPassword(store.describe());
    const error = await failure(store.init());
    await store.close();
    expect(error.code).toBe("CS_NETWORK");
    expect(error.message).toContain("127.0.0.1:1");
    expectNoPassword(error.message);
    expectNoPassword(JSON.stringify(error));
  });

  it("is absent from the error of a URL that cannot be parsed (exit 2)", () => {
    let error: unknown;
    try {
      parsePostgresLocation(`postgres://sync:${PASSWORD}@db.example.com:port/crm`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CaseSyncError);
    expect(exitCodeForError(error)).toBe(2);
    const message = (error as CaseSyncError).message;
    expect(message).toContain("postgres://sync:***@db.example.com:port/crm");
    expectNoPassword(message);
  });

  it("redactPostgresUrl masks everything between // and the last @, and drops the query", () => {
    expect(redactPostgresUrl(`postgresql://sync:${PASSWORD}@h/db?sslpassword=x`)).toBe("postgresql://sync:***@h/db");
    expect(redactPostgresUrl("postgres://h/db")).toBe("postgres://h/db");
  });

  it("a URL with credentials but no host is refused rather than losing them", () => {
    expect(() => parsePostgresLocation("postgres://u:p@/db")).toThrow(/invalid postgres URL postgres:\/\/u:\*\*\*@\/db/);
  });
});

describe("sslmode → pg's ssl option", () => {
  const noFiles = (path: string): string => {
    throw Object.assign(new Error(`no ${path}`), { code: "ENOENT" });
  };
  const files = (path: string) => `PEM of ${path}`;

  it("takes sslmode out of the URL pg receives (pg's parser would override the ssl option)", () => {
    const location = parsePostgresLocation("postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem&application_name=x");
    expect(location.tls).toEqual({ sslmode: "require", sslrootcert: "/ca.pem" });
    expect(location.connectionString).toBe("postgres://u@h/db?application_name=x");
  });

  it("disable, or nothing asked, is a plain connection", () => {
    expect(postgresSsl({ sslmode: "disable" }, "verify-full", noFiles)).toBe(false);
    expect(postgresSsl({}, undefined, noFiles)).toBe(false);
    expect(postgresSsl({}, "", noFiles)).toBe(false);
  });

  it("require and verify-full are TLS with the certificate verified", () => {
    expect(postgresSsl({ sslmode: "require" }, undefined, noFiles)).toEqual({ rejectUnauthorized: true });
    expect(postgresSsl({ sslmode: "verify-full", sslrootcert: "/ca.pem" }, undefined, files)).toEqual({ rejectUnauthorized: true, ca: "PEM of /ca.pem" });
    // prefer and allow never fall back to a plain or unverified connection (pg 8's reading).
    expect(postgresSsl({ sslmode: "prefer" }, undefined, noFiles)).toEqual({ rejectUnauthorized: true });
  });

  it("verify-ca checks the chain against its CA but not the host name, and needs that CA", () => {
    const ssl = postgresSsl({ sslmode: "verify-ca", sslrootcert: "/ca.pem" }, undefined, files);
    expect(ssl).toMatchObject({ rejectUnauthorized: true, ca: "PEM of /ca.pem" });
    expect(ssl !== false && ssl.checkServerIdentity?.("h", {} as never)).toBeUndefined();
    expect(() => postgresSsl({ sslmode: "verify-ca" }, undefined, noFiles)).toThrow(/verify-ca needs sslrootcert/);
  });

  it("no-verify is TLS without verification; client certificates are read from their files", () => {
    expect(postgresSsl({ sslmode: "no-verify", sslcert: "/c.pem", sslkey: "/k.pem", sslpassword: "pp" }, undefined, files)).toEqual({
      rejectUnauthorized: false,
      cert: "PEM of /c.pem",
      key: "PEM of /k.pem",
      passphrase: "pp",
    });
  });

  it("the URL's sslmode wins over PGSSLMODE, which applies when the URL says nothing", () => {
    expect(effectiveSslMode({ sslmode: "disable" }, "verify-full").mode).toBe("disable");
    expect(effectiveSslMode({}, "verify-full")).toEqual({ mode: "verify-full", source: "PGSSLMODE" });
    expect(postgresSsl({}, "require", noFiles)).toEqual({ rejectUnauthorized: true });
    expect(effectiveSslMode({ ssl: "true" }, "disable").mode).toBe("verify-full");
    expect(effectiveSslMode({ sslrootcert: "/ca.pem" }, undefined).mode).toBe("verify-full");
  });

  it("an unknown mode or an unreadable file is a configuration error (exit 2)", () => {
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return null;
    };
    const typo = bad(() => postgresSsl({ sslmode: "requir" }, undefined, noFiles));
    expect(exitCodeForError(typo)).toBe(2);
    expect((typo as Error).message).toContain('sslmode in the URL is "requir"');
    expect((bad(() => postgresSsl({}, "on", noFiles)) as Error).message).toContain('PGSSLMODE is "on"');
    const missing = bad(() => postgresSsl({ sslmode: "verify-full", sslrootcert: "/nope.pem" }, undefined, noFiles));
    expect(exitCodeForError(missing)).toBe(2);
    expect((missing as Error).message).toContain("cannot read the sslrootcert file /nope.pem: ENOENT");
  });

  it("the store hands the mapped option to the pool", () => {
    const store = new PostgresStateStore({ url: "postgres://u@127.0.0.1:1/db?sslmode=require", pgSslMode: undefined });
    const pool = (store as unknown as { pool: { options: { ssl: unknown; connectionString: string } } }).pool;
    expect(pool.options.ssl).toEqual({ rejectUnauthorized: true });
    expect(pool.options.connectionString).not.toContain("sslmode");
    void store.close();
    const fromEnv = new PostgresStateStore({ url: "postgres://u@127.0.0.1:1/db", pgSslMode: "disable" });
    expect((fromEnv as unknown as { pool: { options: { ssl: unknown } } }).pool.options.ssl).toBe(false);
    void fromEnv.close();
  });
});

describe("TLS failures of the store", () => {
  it("are CS_NETWORK (exit 4, like a CRM that cannot be reached safely), not internal errors", () => {
    const selfSigned = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    const wrongHost = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    const noTls = new Error("The server does not support SSL connections");
    for (const error of [selfSigned, wrongHost, noTls]) {
      const ours = toStateError(error, "postgres://u@h/db");
      expect(ours.code).toBe("CS_NETWORK");
      expect(exitCodeForError(ours)).toBe(4);
    }
  });
});
