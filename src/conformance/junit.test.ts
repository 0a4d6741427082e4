import { describe, expect, it } from 'vitest';
import type { CaseResult } from './run-case.ts';
import type { ConformanceReport } from './run-conformance.ts';
import { toJUnitXml, xml } from './junit.ts';

function result(name: string, passed: boolean, problems: string[] = []): CaseResult {
  const base = {
    name,
    inputPath: `cases/${name}.hl7`,
    expectedPath: `cases/${name}.expected.json`,
    passed,
    updated: false,
  };
  return { ...base, problems, differences: [], diff: [], invariantIssues: [], durationMs: 12.5 };
}

const report = (results: CaseResult[]): ConformanceReport => ({
  results,
  orphans: [],
  passed: results.filter((r) => r.passed).length,
  failed: results.filter((r) => !r.passed).length,
  updated: 0,
  update: false,
  durationMs: 1500,
  startedAt: '2026-01-01T00:00:00.000Z',
});

describe('JUnit XML', () => {
  it('When cases pass and fail, then testsuites/testsuite/testcase carry counts, timings and a failure with details', () => {
    const text = toJUnitXml(
      report([result('ok', true), result('bad', false, ['value <5> & "quoted"', 'second line'])]),
    );
    expect(text).toContain(
      '<testsuites name="studybridge conformance" tests="2" failures="1" errors="0" time="1.500">',
    );
    expect(text).toContain(
      '<testsuite name="studybridge conformance" tests="2" failures="1" errors="0" skipped="0" time="1.500" timestamp="2026-01-01T00:00:00.000Z">',
    );
    expect(text).toContain('<testcase classname="conformance" name="ok" file="cases/ok.hl7" time="0.013"/>');
    expect(text).toContain(
      '<failure message="value &lt;5&gt; &amp; &quot;quoted&quot;" type="conformance">value &lt;5&gt; &amp; &quot;quoted&quot;\nsecond line</failure>',
    );
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(text.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  it('When text holds characters XML cannot carry, then they are replaced, and markup is escaped', () => {
    expect(xml("a\u0000b\u000bc\td\n']]>")).toBe('a\uFFFDb\uFFFDc\td\n&apos;]]&gt;');
    expect(xml('\uD800x')).toBe('\uFFFDx');
  });
});
