import { afterEach, describe, expect, it } from 'vitest';
import { formatHl7Timestamp } from './hl7-timestamp.ts';

const savedTz = process.env.TZ;

describe('formatHl7Timestamp', () => {
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('When the process runs at a half-hour offset, then the local time and that offset are written', () => {
    process.env.TZ = 'Asia/Kolkata';
    expect(formatHl7Timestamp(new Date('2026-03-04T05:06:07Z'))).toBe('20260304103607+0530');
  });

  it('When the process runs west of UTC, then the offset is negative', () => {
    process.env.TZ = 'America/Sao_Paulo';
    expect(formatHl7Timestamp(new Date('2026-01-01T01:02:03Z'))).toBe('20251231220203-0300');
  });

  it('When the process runs in UTC, then the offset is +0000', () => {
    process.env.TZ = 'UTC';
    expect(formatHl7Timestamp(new Date('2026-12-31T23:59:59Z'))).toBe('20261231235959+0000');
  });
});
