import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../errors/adapter-error.ts';
import { loadMappings } from './load-mappings.ts';

const REPO_MAPPINGS = path.resolve(import.meta.dirname, '../../mappings');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function copyWith(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'sb-load-'));
  dir = d;
  await cp(REPO_MAPPINGS, d, { recursive: true });
  for (const [rel, text] of Object.entries(files)) await writeFile(path.join(d, rel), text);
  return d;
}

async function problems(d: string): Promise<string[]> {
  try {
    await loadMappings(d);
  } catch (err) {
    if (!(err instanceof AdapterError)) throw err;
    expect(err.code).toBe('mapping.invalid');
    return (err.outcome.issue ?? []).map((i) => `${i.expression?.join(' ')} :: ${i.diagnostics}`);
  }
  return [];
}

describe('loadMappings', () => {
  it('When the shipped mappings load, then they are indexed and frozen', async () => {
    const m = await loadMappings(REPO_MAPPINGS);
    expect(m.manifests.get('ORU^R01')?.resources.length).toBeGreaterThan(5);
    expect(m.analytes.size).toBeGreaterThan(0);
    expect(Object.isFrozen(m.settings)).toBe(true);
  });

  it('When several files are wrong, then every problem is reported at once with file and path', async () => {
    const d = await copyWith({
      'tables/broken.yaml': 'name: Broken Name\nmap: {}\nunknown: maybe\n',
      'templates/Bad.yaml':
        'status: { $frm: OBX.11 }\ncode: { $from: OBX.3, $as: no-such-converter }\nx: { $from: "OBX 5" }\n',
      'units/more.yaml': 'aliases:\n  - { from: weird, to: "not a unit" }\n',
      'analytes/zz-bad.yaml': 'analytes:\n  - { id: Bad_Id, code: "1", display: x, source: y, unit: "mg/dl/zz" }\n',
      'senders/zz-bad.yaml':
        'id: zz\nmatch: { sendingApplication: A, sendingFacility: B }\nlocalCodeSystem: nope\ntimezone: "+25:00"\nunmappedCodes: reject\n',
      'messages/broken.yaml':
        'message: ORU^R01\nversions: [2.5.1]\ncontext: {}\nresources: [ { name: x, segment: OBX, resource: Observation, template: Missing } ]\n',
      'senders/yaml-error.yaml': 'id: [unclosed\n',
    });
    const found = await problems(d);
    const joined = found.join('\n');
    expect(joined).toMatch(/tables\/broken\.yaml:\/name :: must match pattern/);
    expect(joined).toMatch(/tables\/broken\.yaml:\/map :: must NOT have fewer than 1 properties/);
    expect(joined).toMatch(/templates\/Bad\.yaml:\/status\/\$frm :: unknown directive/);
    expect(joined).toMatch(/unknown converter 'no-such-converter'/);
    expect(joined).toMatch(/invalid HL7 path/);
    expect(joined).toMatch(/alias target 'not a unit' is not a valid UCUM code/);
    expect(joined).toMatch(/analytes\/zz-bad\.yaml:\/analytes\/0\/id :: must match pattern/);
    expect(joined).toMatch(/senders\/zz-bad\.yaml:\/localCodeSystem/);
    expect(joined).toMatch(/senders\/zz-bad\.yaml:\/timezone/);
    expect(joined).toMatch(/duplicate manifest for 'ORU\^R01'/);
    expect(joined).toMatch(/senders\/yaml-error\.yaml:\d+:\d+/);
    expect(found.length).toBeGreaterThanOrEqual(11);
  });

  it('When a sender names an unknown analyte, then the row is named', async () => {
    const d = await copyWith({
      'senders/zz-x.yaml':
        'id: zz-x\nmatch: { sendingApplication: A, sendingFacility: B }\nlocalCodeSystem: https://x.org/c\ntimezone: Z\nunmappedCodes: reject\ncodes:\n  - { local: Q, analyte: no-such-analyte }\n',
    });
    expect((await problems(d)).join('\n')).toMatch(
      /senders\/zz-x\.yaml:\/codes\/0\/analyte :: unknown analyte 'no-such-analyte'/,
    );
  });

  it('When a template looks up an unknown set, in a directive or a condition, or gives no key, then each is named', async () => {
    const d = await copyWith({
      'templates/Lookups.yaml':
        'a: { $lookup: no-such-set, $key: CTI.1.1 }\nb: { $lookup: no-such-set }\n' +
        'c: { $when: { not: { lookup: other-set, key: CTI.1.1, equals: x } }, $from: CTI.1 }\n',
    });
    const joined = (await problems(d)).join('\n');
    expect(joined).toMatch(/templates\/Lookups\.yaml:\/c\/\$when\/not\/lookup :: unknown lookup 'other-set'/);
    expect(joined).toMatch(/templates\/Lookups\.yaml:\/a\/\$lookup :: unknown lookup 'no-such-set'/);
    expect(joined).toMatch(/templates\/Lookups\.yaml:\/b\/\$lookup :: \$lookup needs a \$key/);
  });

  it('When the directory does not exist, then that is the one problem', async () => {
    expect((await problems(path.join(tmpdir(), 'sb-does-not-exist'))).join()).toMatch(/cannot be read/);
  });
});
