import type { Mappings } from '../../map/mapping-types.ts';
import { loadLayoutsIfPresent, type CsvDeps } from '../../pipeline/receive-csv.ts';
import { MessageState } from '../../store/message-store.ts';
import { replayAll, replayMessage, type ReplayDeps, type ReplayResult } from '../../pipeline/replay.ts';
import type { Stages } from '../stages.ts';
import { ExitCode } from '../exit-code.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';
import { openStoreForCli } from './messages.ts';

/** Options of `replay`. */
export interface ReplayOptions {
  id?: string;
  dead?: boolean;
  failed?: boolean;
  data?: string;
  mappingsDir: string;
  profilesDir: string;
}

/**
 * Re-converts stored messages with the current mappings and queues them for delivery: one by id, every dead
 * letter (`--dead`), or every message that failed conversion (`--failed`). A running service picks them up.
 * Messages stored from CSV files are re-converted with their layout from `<mappings>/csv`, loaded only when one
 * is replayed.
 * @returns 0 when every replayed message converted; 1 when some still fail; 2 on bad usage or when the CSV
 *   layouts do not load.
 */
export async function runReplay(
  options: ReplayOptions,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
  stages: Stages,
): Promise<ExitCode> {
  const chosen = [options.id !== undefined, !!options.dead, !!options.failed].filter(Boolean).length;
  if (chosen !== 1) {
    io.stderr.write('replay: give a message id, --dead or --failed (one of them)\n');
    return ExitCode.Usage;
  }
  if (options.id !== undefined && !/^\d+$/.test(options.id)) {
    io.stderr.write(`replay: ${options.id} is not a message id\n`);
    return ExitCode.Usage;
  }
  let convert;
  try {
    convert = await stages.createConverter({ mappingsDir: options.mappingsDir, profilesDir: options.profilesDir });
  } catch (err) {
    io.stderr.write(describeLoadError('mappings and profiles', err).join('\n') + '\n');
    return ExitCode.Usage;
  }
  const store = openStoreForCli(options.data, env, io);
  if (!store) return ExitCode.Usage;
  const csv = csvLoader(options, stages);
  const deps: ReplayDeps = { store, convert, csv: csv.load };
  try {
    let results: ReplayResult[];
    if (options.id !== undefined) {
      const one = await replayMessage(Number(options.id), deps);
      if (!one) {
        io.stderr.write(`replay: no message ${options.id}\n`);
        return ExitCode.Usage;
      }
      results = [one];
    } else {
      results = await replayAll(options.dead ? MessageState.Dead : MessageState.Failed, deps);
    }
    for (const r of results) io.stdout.write(`${r.id}\t${r.state}${r.code ? `\t${r.code}` : ''}\n`);
    const stillFailing = results.filter((r) => r.state === MessageState.Failed).length;
    io.stderr.write(
      `replayed ${results.length}: ${results.length - stillFailing} queued for delivery, ${stillFailing} still failing\n`,
    );
    return stillFailing ? ExitCode.Failed : ExitCode.Ok;
  } catch (err) {
    if (!csv.failed(err)) throw err;
    // Messages replayed before the first CSV one keep their new state; the rest are untouched.
    io.stderr.write(describeLoadError('CSV layouts', err).join('\n') + '\n');
    return ExitCode.Usage;
  } finally {
    await store.close();
  }
}

/**
 * Loads the CSV layouts once, on the first CSV message: replaying only HL7 messages should not load the mappings
 * and profiles a second time (the converter holds its own copy, out of reach of the layouts).
 */
function csvLoader(
  options: ReplayOptions,
  stages: Stages,
): { load: () => Promise<CsvDeps>; failed(err: unknown): boolean } {
  let loading: Promise<CsvDeps> | undefined;
  let failure: unknown;
  const load = async (): Promise<CsvDeps> => {
    const [mappings, validator] = await Promise.all([
      stages.loadMappings(options.mappingsDir) as Promise<Mappings>,
      stages.loadValidator({ profilesDir: options.profilesDir }),
    ]);
    const layouts = (await loadLayoutsIfPresent(options.mappingsDir, mappings)) ?? new Map();
    return { mappings, validator, layouts };
  };
  return {
    load: () =>
      (loading ??= load().catch((err: unknown) => {
        failure = err;
        throw err;
      })),
    failed: (err) => failure !== undefined && err === failure,
  };
}
