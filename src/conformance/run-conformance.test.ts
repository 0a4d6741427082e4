import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { failedMessage, fakeHl7Kind, okMessage, sampleBundle, useCaseDirs } from './test-fixtures.ts';
import { formatReport } from './format-report.ts';
import { FIXED_RECEIVED_AT } from './run-case.ts';
import { runConformance } from './run-conformance.ts';

const dir = useCaseDirs();

const kind = () => fakeHl7Kind({ A: [okMessage(0, 'A')], B: [okMessage(0, 'B'), failedMessage(1, 'B2')] });

describe('runConformance', () => {
  it('When outputs match their expectations (key order aside), then all pass with a fixed receivedAt', async () => {
    const reordered = JSON.parse(
      JSON.stringify(sampleBundle(), (_k, v) =>
        v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
      ),
    );
    const root = await dir({
      'a.hl7': 'A',
      'a.expected.json': reordered,
      'batch/b.hl7': 'B',
      'batch/b.expected.json': [sampleBundle(), failedMessage(1).outcome],
    });
    const k = kind();
    const report = await runConformance({ dirs: [root], kinds: [k] });
    expect(report.results.map((r) => [r.name, r.passed])).toEqual([
      ['a', true],
      ['batch/b', true],
    ]);
    expect(k.options).toEqual([{ receivedAt: FIXED_RECEIVED_AT }, { receivedAt: FIXED_RECEIVED_AT }]);
    expect(formatReport(report)).toBe('✓ a\n✓ batch/b\n2 passed, 0 failed\n');
  });

  it('When an output differs, then the case fails with the differing path and a unified diff', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle(5.5) });
    const report = await runConformance({ dirs: [root], kinds: [kind()] });
    expect(report.failed).toBe(1);
    const text = formatReport(report);
    expect(text).toContain('✗ a\n');
    expect(text).toContain('    entry[1].resource.valueQuantity.value: expected 5.5, got 5.4\n');
    expect(text).toContain('    -          "value": 5.5\n    +          "value": 5.4\n');
    expect(text.endsWith('\n0 passed, 1 failed\n')).toBe(true);
  });

  it('When an input has no expectation, then it fails asking for --update and nothing is written', async () => {
    const root = await dir({ 'a.hl7': 'A' });
    const report = await runConformance({ dirs: [root], kinds: [kind()] });
    expect(report.results[0]?.problems).toEqual(['no expectation; run with --update to create it']);
    await expect(stat(path.join(root, 'a.expected.json'))).rejects.toThrow();
  });

  it('When updating, then missing and stale expectations are written from the output and counted', async () => {
    const root = await dir({ 'a.hl7': 'A', 'b.hl7': 'B', 'b.expected.json': [], 'c.hl7': 'A' });
    const current = JSON.stringify(sampleBundle(), null, 2) + '\n';
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(root, 'c.expected.json'), current));
    const report = await runConformance({ dirs: [root], kinds: [kind()], update: true });
    expect(report.results.map((r) => [r.name, r.passed, r.updated])).toEqual([
      ['a', true, true],
      ['b', true, true],
      ['c', true, false],
    ]);
    expect(JSON.parse(await readFile(path.join(root, 'a.expected.json'), 'utf8'))).toEqual(sampleBundle());
    expect(JSON.parse(await readFile(path.join(root, 'b.expected.json'), 'utf8'))).toHaveLength(2);
    expect(formatReport(report)).toBe('✓ a (updated)\n✓ b (updated)\n✓ c\nupdated 2\n3 passed, 0 failed\n');
    const again = await runConformance({ dirs: [root], kinds: [kind()] });
    expect(again.failed).toBe(0);
  });

  it('When the output matches its expectation but breaks an invariant, then the case still fails', async () => {
    const broken = sampleBundle();
    broken.entry![1]!.request = { method: 'PUT', url: '' };
    const k = fakeHl7Kind({ X: [{ ...okMessage(0, 'X'), bundle: broken }] });
    const root = await dir({ 'x.hl7': 'X', 'x.expected.json': broken });
    const report = await runConformance({ dirs: [root], kinds: [k] });
    expect(report.results[0]?.differences).toEqual([]);
    expect(report.results[0]?.invariantIssues.map((i) => i.invariant)).toEqual([
      'no-empty-elements',
      'transaction-request',
    ]);
    expect(formatReport(report)).toContain('2 invariant violation(s):\n      entry[1].request.url: empty element ""');
  });

  it('When a validator is given, then its errors fail the case', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle() });
    const validator = {
      validate: () => [{ severity: 'error' as const, code: 'invalid' as const, diagnostics: 'nope' }],
    };
    const report = await runConformance({ dirs: [root], kinds: [kind()], validator });
    expect(report.results[0]?.invariantIssues).toHaveLength(2);
  });

  it('When the converter throws, then the case fails and update mode writes nothing', async () => {
    const root = await dir({ 'z.hl7': 'unknown input' });
    const report = await runConformance({ dirs: [root], kinds: [kind()], update: true });
    expect(report.results[0]?.passed).toBe(false);
    expect(report.results[0]?.problems[0]).toMatch(/^converter threw internal\.error: .*unexpected input/);
    await expect(stat(path.join(root, 'z.expected.json'))).rejects.toThrow();
  });

  it('When a filter is given, then only matching cases run and are reported', async () => {
    const root = await dir({ 'a.hl7': 'A', 'a.expected.json': sampleBundle(), 'b.hl7': 'B' });
    const seen: string[] = [];
    const report = await runConformance({
      dirs: [root],
      kinds: [kind()],
      filter: 'a',
      onCase: (r) => seen.push(r.name),
    });
    expect(seen).toEqual(['a']);
    expect(report.passed).toBe(1);
  });
});
