// TLS to the team's PostgreSQL (issue 9 item 8): libpq's `sslmode` (in the URL, else PGSSLMODE)
// becomes pg's `ssl` option here, in one pure function, instead of being left to pg's connection
// string parser, whose meaning of the modes is about to change (pg 9 adopts libpq's weaker
// `require`). The rule: any mode but `disable` makes TLS mandatory, and the server's certificate is
// verified (chain and host name) unless the mode says otherwise:
//   disable                      no TLS (also the default when nothing asks for TLS: pg's own)
//   allow, prefer, require       TLS, certificate verified — pg 8's reading, kept: never a silent
//                                fallback to a plain or unverified connection
//   verify-full                  TLS, certificate verified
//   verify-ca                    TLS, chain verified against sslrootcert, host name not checked
//   no-verify                    TLS, certificate not verified (pg's own mode; not recommended)
// sslrootcert (a PEM file, or `system` for the built-in CAs), sslcert, sslkey and sslpassword are
// libpq's names for the CA, the client certificate and its key.
import type { ConnectionOptions } from "node:tls";
import { CaseSyncError } from "../core/errors.js";
import type { PostgresTlsParameters } from "./location.js";

export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full", "no-verify"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** pg's `ssl` option: false for a plain connection, else Node's TLS options. */
export type PgSsl = false | ConnectionOptions;

function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

function badSetting(message: string): CaseSyncError {
  return new CaseSyncError("CS_CONFIG", `state store: ${message}`, { field: "CASE_SYNC_STATE" });
}

/** The mode in force and where it came from (for messages). */
export function effectiveSslMode(tls: PostgresTlsParameters, pgSslMode: string | undefined): { mode: SslMode; source: string } {
  const candidates: [string | undefined, string][] = [
    [tls.sslmode, "sslmode in the URL"],
    // pg's own `ssl=true|1|false|0` parameter, for URLs written for pg.
    [tls.ssl === undefined ? undefined : /^(true|1)$/i.test(tls.ssl) ? "verify-full" : /^(false|0)$/i.test(tls.ssl) ? "disable" : tls.ssl, "ssl in the URL"],
    [pgSslMode === "" ? undefined : pgSslMode, "PGSSLMODE"],
  ];
  for (const [value, source] of candidates) {
    if (value === undefined) continue;
    const mode = value.trim().toLowerCase();
    if (!isSslMode(mode)) throw badSetting(`${source} is "${value}", not one of ${SSL_MODES.join(", ")}`);
    return { mode, source };
  }
  // A CA or client certificate only makes sense over TLS (pg reads it that way too).
  const wantsTls = tls.sslrootcert !== undefined || tls.sslcert !== undefined || tls.sslkey !== undefined;
  return { mode: wantsTls ? "verify-full" : "disable", source: "default" };
}

/**
 * pg's `ssl` option for the URL's TLS parameters and PGSSLMODE. `readFile` reads the PEM files the
 * URL names (passed in: this module does no I/O of its own).
 */
export function postgresSsl(tls: PostgresTlsParameters, pgSslMode: string | undefined, readFile: (path: string) => string): PgSsl {
  const { mode } = effectiveSslMode(tls, pgSslMode);
  if (mode === "disable") return false;
  const read = (name: "sslrootcert" | "sslcert" | "sslkey"): string | undefined => {
    const path = tls[name];
    if (path === undefined || path === "" || (name === "sslrootcert" && path === "system")) return undefined;
    try {
      return readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code ?? (error instanceof Error ? error.message : String(error));
      throw badSetting(`cannot read the ${name} file ${path}: ${code}`);
    }
  };
  const ca = read("sslrootcert");
  const cert = read("sslcert");
  const key = read("sslkey");
  if (mode === "verify-ca" && ca === undefined) {
    // Without its own CA, verify-ca would accept any certificate a public CA issued for any host.
    throw badSetting("sslmode=verify-ca needs sslrootcert=<the server's CA file>; use sslmode=verify-full to check the host name instead");
  }
  const options: ConnectionOptions = {
    rejectUnauthorized: mode !== "no-verify",
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(tls.sslpassword === undefined ? {} : { passphrase: tls.sslpassword }),
  };
  // verify-ca: the chain is checked against `ca`; the host name is not.
  if (mode === "verify-ca") options.checkServerIdentity = () => undefined;
  return options;
}
