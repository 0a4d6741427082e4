import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** Default of {@link StatementCache} `max`: search shapes are few, so this rarely evicts. */
export const DEFAULT_STATEMENT_CACHE = 256;

/**
 * Prepared statements of one connection by SQL text, least recently used dropped first. Searches build their SQL
 * from the request's shape (parameters, modifiers, number of values), so the same texts recur and preparing them
 * again on every request is wasted work. node:sqlite resets a statement after each `get`/`all`/`run`, so a cached
 * statement holds no lock or open read between uses.
 */
export class StatementCache {
  private readonly db: DatabaseSync;
  private readonly max: number;
  private readonly map = new Map<string, StatementSync>();

  /**
   * @param db - The connection the statements belong to.
   * @param max - Most statements kept.
   */
  constructor(db: DatabaseSync, max = DEFAULT_STATEMENT_CACHE) {
    this.db = db;
    this.max = Math.max(1, max);
  }

  /** @returns The prepared statement for `sql`, prepared on first use. */
  get(sql: string): StatementSync {
    const hit = this.map.get(sql);
    if (hit) {
      // Move to the most recent end.
      this.map.delete(sql);
      this.map.set(sql, hit);
      return hit;
    }
    const stmt = this.db.prepare(sql);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(sql, stmt);
    return stmt;
  }

  /** Number of cached statements. */
  get size(): number {
    return this.map.size;
  }
}
