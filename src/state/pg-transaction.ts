// One PostgreSQL transaction on a pooled connection, shared by the state store and the fleet's
// registry: BEGIN, the work, COMMIT; any error rolls back and is rethrown. A connection that cannot
// roll back is destroyed instead of going back to the pool, where the next caller would find it
// inside a failed transaction.
import type pg from "pg";

export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
