import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** `bin/studybridge.js` lives outside `src/`, where vitest looks for tests, so it is tested from here. */
const launcher = fileURLToPath(new URL('../../bin/studybridge.js', import.meta.url));

function run(node: string, args: string[]) {
  return spawnSync(node, [launcher, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** A `node` on PATH older than 24, to exercise the re-exec path; the pinned one is 24, so PATH may hold both. */
function olderNodeOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (Number(/^v(\d+)/.exec(version)?.[1] ?? 99) < 24) return candidate;
  }
  return undefined;
}

describe('bin/studybridge.js', () => {
  it('When run on Node 24, then it runs the CLI directly and passes the exit code on', () => {
    const help = run(process.execPath, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: studybridge');
    const replay = run(process.execPath, ['replay']);
    expect(replay.status).toBe(2);
    expect(replay.stderr).toContain('give a message id, --dead or --failed');
  });

  const older = olderNodeOnPath();
  it.skipIf(!older)(`When run on an older Node (${older ?? 'none on PATH'}), then it re-executes under Node 24`, () => {
    const help = run(older!, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: studybridge');
    expect(run(older!, ['replay']).status).toBe(2);
  });
});
