import { createTwoFilesPatch } from 'diff';

/** One place where two JSON values differ. */
export interface JsonDifference {
  /** JSON path, e.g. `entry[3].resource.valueQuantity.value`; `(root)` for the whole value. */
  path: string;
  /** Rendered expected value, or `(absent)`. */
  expected: string;
  /** Rendered actual value, or `(absent)`. */
  actual: string;
}

/**
 * Returns a deep copy of a JSON value with object keys sorted, so that comparing and diffing ignore key
 * order (which depends on how a resource was assembled, not on what it says).
 * @param value - Any JSON value.
 * @returns The same value with sorted keys.
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (isPlainObject(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) sorted[key] = canonicalize(value[key]);
    return sorted;
  }
  return value;
}

/** @returns true when both JSON values are deeply equal regardless of key order. */
export function jsonEquals(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonicalize(a)) === JSON.stringify(canonicalize(b));
}

/**
 * Lists the leaf-most paths where two JSON values differ, in document order.
 * @param expected - The expectation.
 * @param actual - What was produced.
 * @returns The differences; empty when the values are equal.
 */
export function jsonDifferences(expected: unknown, actual: unknown): JsonDifference[] {
  const out: JsonDifference[] = [];
  walk(expected, actual, '', out);
  return out;
}

/**
 * @param d - One difference.
 * @returns `path: expected X, got Y`.
 */
export function formatDifference(d: JsonDifference): string {
  return `${d.path}: expected ${d.expected}, got ${d.actual}`;
}

/**
 * A unified diff of the pretty-printed, key-sorted values, without file headers.
 * @param expected - The expectation.
 * @param actual - What was produced.
 * @param maxLines - Longer diffs are cut, with a line saying how much was left out.
 * @returns The diff lines; empty when equal.
 */
export function unifiedJsonDiff(expected: unknown, actual: unknown, maxLines = 60): string[] {
  const patch = createTwoFilesPatch('expected', 'actual', pretty(expected), pretty(actual), undefined, undefined, {
    context: 3,
  });
  // The first lines are an Index header and a separator; keep from the ---/+++ file lines on.
  const lines = patch.split('\n').filter((l) => l !== '' && l !== '\\ No newline at end of file');
  const start = lines.findIndex((l) => l.startsWith('--- '));
  const body = start >= 0 ? lines.slice(start) : lines;
  if (body.length <= 2) return [];
  if (body.length <= maxLines) return body;
  return [...body.slice(0, maxLines), `… ${body.length - maxLines} more diff lines`];
}

function pretty(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(canonicalize(value), null, 2) + '\n';
}

function walk(expected: unknown, actual: unknown, path: string, out: JsonDifference[]): void {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) walkMember(expected, actual, i, `${path}[${i}]`, out);
    return;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    for (const key of keys) walkMember(expected, actual, key, joinKey(path, key), out);
    return;
  }
  if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push({ path: path || '(root)', expected: render(expected), actual: render(actual) });
  }
}

function walkMember(
  expected: unknown[] | Record<string, unknown>,
  actual: unknown[] | Record<string, unknown>,
  key: string | number,
  path: string,
  out: JsonDifference[],
): void {
  const has = (c: unknown[] | Record<string, unknown>): boolean => Object.prototype.hasOwnProperty.call(c, key);
  const e = (expected as Record<string | number, unknown>)[key];
  const a = (actual as Record<string | number, unknown>)[key];
  if (!has(expected)) out.push({ path, expected: ABSENT, actual: render(a) });
  else if (!has(actual)) out.push({ path, expected: render(e), actual: ABSENT });
  else walk(e, a, path, out);
}

const ABSENT = '(absent)';

function joinKey(path: string, key: string): string {
  const safe = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (safe.startsWith('[')) return path + safe;
  return path ? `${path}.${safe}` : safe;
}

function render(value: unknown, max = 80): string {
  const text = JSON.stringify(canonicalize(value)) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
