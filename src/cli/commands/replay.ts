import { MessageState } from '../../store/message-store.ts';
import { replayAll, replayMessage, type ReplayResult } from '../../pipeline/replay.ts';
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
 * @returns 0 when every replayed message converted; 1 when some still fail; 2 on bad usage.
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
  try {
    let results: ReplayResult[];
    if (options.id !== undefined) {
      const one = await replayMessage(Number(options.id), { store, convert });
      if (!one) {
        io.stderr.write(`replay: no message ${options.id}\n`);
        return ExitCode.Usage;
      }
      results = [one];
    } else {
      results = await replayAll(options.dead ? MessageState.Dead : MessageState.Failed, { store, convert });
    }
    for (const r of results) io.stdout.write(`${r.id}\t${r.state}${r.code ? `\t${r.code}` : ''}\n`);
    const stillFailing = results.filter((r) => r.state === MessageState.Failed).length;
    io.stderr.write(
      `replayed ${results.length}: ${results.length - stillFailing} queued for delivery, ${stillFailing} still failing\n`,
    );
    return stillFailing ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    await store.close();
  }
}
