/**
 * The one database interface the service uses, with two implementations:
 * node-postgres (production, tests) and PGlite (embedded dev mode).
 */
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** A connection inside a transaction. */
export interface Transaction extends Queryable {
  /** Runs a multi-statement SQL script (a migration file). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Transaction {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Pool sizes from the deployment guide: max 20, idle 30 s. */
export const POOL_OPTIONS = { max: 20, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5_000 } as const;
/** A query on a stalled connection gives up (503) instead of hanging the request. */
const QUERY_OPTIONS = { query_timeout: 5_000, keepAlive: true } as const;

export function createPostgresDatabase(url: string, onError: (err: Error) => void = () => {}): Database {
  const pool = new pg.Pool({ connectionString: url, ...POOL_OPTIONS, ...QUERY_OPTIONS });
  // An idle client losing its connection emits here; without a listener node would crash.
  pool.on('error', onError);
  const query = async <R>(text: string, params?: readonly unknown[]) => {
    const result = await pool.query(text, params as unknown[]);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Transaction = {
          query: async <R>(text: string, params?: readonly unknown[]) => {
            const r = await client.query(text, params as unknown[]);
            return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
          },
          // A parameterless text goes through the simple protocol: several statements are fine.
          exec: async (sql: string) => {
            await client.query(sql);
          },
        };
        const value = await fn(tx);
        await client.query('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}

export async function createPgliteDatabase(dataDir?: string): Promise<Database> {
  // Loaded lazily: production never pays for the WASM build.
  const { PGlite: PGliteCtor } = await import('@electric-sql/pglite');
  const db: PGlite = new PGliteCtor(dataDir);
  await db.waitReady;
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Transaction => ({
    query: async <R>(text: string, params?: readonly unknown[]) => {
      const r = await q.query<R>(text, params as unknown[]);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  });
  const base = wrap(db);
  return {
    kind: 'pglite',
    ...base,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    async ping() {
      await db.query('SELECT 1');
    },
    async close() {
      await db.close();
    },
  };
}
