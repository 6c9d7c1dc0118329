// The local PostgreSQL every test of a PostgreSQL part uses (127.0.0.1:5432, trust auth, database
// `test`, as user postgres or root): found once per file; an unreachable server fails the file,
// since CI has one and a silent skip would hide a broken store or fleet.
import pg from "pg";

const CANDIDATES = ["postgres://postgres@127.0.0.1:5432/test", "postgres://root@127.0.0.1:5432/test"];

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The local server's URL, or an error naming where it was looked for. */
export async function postgresUrl(): Promise<string> {
  for (const url of CANDIDATES) if (await reachable(url)) return url;
  throw new Error(`PostgreSQL is not reachable at ${CANDIDATES.join(" or ")}; these tests need it`);
}

/** One short-lived connection for a test's own queries. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
