import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { StatementCache } from './statement-cache.ts';

describe('StatementCache', () => {
  it('When the same SQL is asked twice, then the same prepared statement is returned', () => {
    const cache = new StatementCache(new DatabaseSync(':memory:'));
    expect(cache.get('SELECT 1 AS x')).toBe(cache.get('SELECT 1 AS x'));
    expect(cache.get('SELECT 1 AS x').get()).toEqual({ x: 1 });
  });

  it('When more texts than the bound are used, then the least recently used one is prepared again', () => {
    const cache = new StatementCache(new DatabaseSync(':memory:'), 2);
    const a = cache.get('SELECT 1');
    const b = cache.get('SELECT 2');
    expect(cache.get('SELECT 1')).toBe(a);
    cache.get('SELECT 3');
    expect(cache.size).toBe(2);
    expect(cache.get('SELECT 1')).toBe(a);
    expect(cache.get('SELECT 2')).not.toBe(b);
  });
});
