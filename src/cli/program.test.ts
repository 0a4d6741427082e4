import { describe, expect, it } from 'vitest';
import { okMessage } from '../conformance/test-fixtures.ts';
import { runCli } from './program.ts';
import { fakeStages, memoryIo } from './test-support.ts';

describe('studybridge command line', () => {
  it('When no directory option is given, then the environment, else ./mappings and ./profiles, are used', async () => {
    const withEnv = fakeStages({});
    await runCli(['check-mappings'], {
      io: memoryIo(),
      env: { STUDYBRIDGE_MAPPINGS_DIR: '/env/m', STUDYBRIDGE_PROFILES_DIR: '/env/p' },
      stages: withEnv,
    });
    expect(withEnv.calls.mappings).toEqual(['/env/m']);
    expect(withEnv.calls.validator).toEqual([{ profilesDir: '/env/p' }]);

    const plain = fakeStages({});
    await runCli(['check-mappings'], { io: memoryIo(), env: {}, stages: plain });
    expect(plain.calls.mappings).toEqual(['./mappings']);
    expect(plain.calls.validator).toEqual([{ profilesDir: './profiles' }]);
  });

  it('When --mappings/--profiles are given before or after the command, then they win over the environment', async () => {
    for (const args of [
      ['--mappings', 'm', '--profiles', 'p', 'check-mappings'],
      ['check-mappings', '--mappings', 'm', '--profiles', 'p'],
    ]) {
      const stages = fakeStages({});
      await runCli(args, { io: memoryIo(), env: { STUDYBRIDGE_MAPPINGS_DIR: 'env' }, stages });
      expect(stages.calls.mappings).toEqual(['m']);
      expect(stages.calls.validator).toEqual([{ profilesDir: 'p' }]);
    }
  });

  it('When convert gets --no-validate, then the converter is asked not to validate', async () => {
    const seen: unknown[] = [];
    const stages = fakeStages({ convert: async (_input, options) => (seen.push(options), [okMessage(0)]) });
    const io = memoryIo();
    const code = await runCli(['convert', 'package.json', '--no-validate', '--received-at', '2026-01-01T00:00:00Z'], {
      io,
      env: {},
      stages,
    });
    expect(code).toBe(0);
    expect(seen).toEqual([{ validate: false, receivedAt: '2026-01-01T00:00:00Z' }]);
  });

  it('When serve is asked for with an unusable configuration, then it lists the problem and exits 2', async () => {
    const io = memoryIo();
    const env = { STUDYBRIDGE_HTTP_PORT: 'eighty' };
    expect(await runCli(['serve'], { io, env, stages: fakeStages({}), stopSignal: () => new Promise(() => {}) })).toBe(
      2,
    );
    expect(io.err()).toContain('env:STUDYBRIDGE_HTTP_PORT: must be an integer');
  });

  it('When the command is unknown or an argument is missing, then the usage error exits 2; --help exits 0', async () => {
    const io = memoryIo();
    expect(await runCli(['bogus'], { io, env: {}, stages: fakeStages({}) })).toBe(2);
    expect(io.err()).toContain("unknown command 'bogus'");
    expect(await runCli(['convert'], { io, env: {}, stages: fakeStages({}) })).toBe(2);
    expect(io.err()).toContain("missing required argument 'file'");
    const help = memoryIo();
    expect(await runCli(['--help'], { io: help, env: {}, stages: fakeStages({}) })).toBe(0);
    expect(help.out()).toMatch(/convert \[options\] <file>[\s\S]*check-mappings[\s\S]*conformance[\s\S]*serve/);
  });

  it('When a command itself crashes, then the error text is not echoed and the exit code is 1', async () => {
    const io = memoryIo();
    const stages = fakeStages({});
    stages.loadMappings = () => {
      throw new TypeError('secret patient text');
    };
    expect(await runCli(['check-mappings'], { io, env: {}, stages })).toBe(1);
    expect(io.err()).toContain('Internal error (TypeError)');
    expect(io.err()).not.toContain('secret');
  });
});
