import { failureDetails } from './format-report.ts';
import type { CaseResult } from './run-case.ts';
import type { ConformanceReport } from './run-conformance.ts';

/**
 * Renders a run as JUnit XML (testsuites › testsuite › testcase, with a `failure` per failed case holding the
 * same details the console shows), for CI test reports.
 * @param report - The run.
 * @param suiteName - Name of the suite.
 * @returns The XML document.
 */
export function toJUnitXml(report: ConformanceReport, suiteName = 'studybridge conformance'): string {
  const total = report.results.length;
  const time = seconds(report.durationMs);
  const attrs = `name="${xml(suiteName)}" tests="${total}" failures="${report.failed}" errors="0"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attrs} time="${time}">`,
    `  <testsuite ${attrs} skipped="0" time="${time}" timestamp="${xml(report.startedAt)}">`,
    ...report.results.flatMap(testcase),
    '  </testsuite>',
    '</testsuites>',
  ];
  return lines.join('\n') + '\n';
}

function testcase(r: CaseResult): string[] {
  const open = `    <testcase classname="conformance" name="${xml(r.name)}" file="${xml(r.inputPath)}" time="${seconds(r.durationMs)}"`;
  if (r.passed) return [`${open}/>`];
  const details = failureDetails(r);
  return [
    `${open}>`,
    `      <failure message="${xml(details[0] ?? 'failed')}" type="conformance">${xml(details.join('\n'))}</failure>`,
    '    </testcase>',
  ];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Escapes text for XML content and attributes, and drops characters XML 1.0 cannot carry at all (control
 * characters other than tab, LF and CR, lone surrogates), which HL7 payloads quoted in a diff may contain.
 */
export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
