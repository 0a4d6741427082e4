import { isErrorIssue } from '../../errors/outcomes.ts';
import path from 'node:path';
import { loadConfig } from '../../config/load-config.ts';
import { MessageState, type MessageStore, type StoredMessage } from '../../store/message-store.ts';
import { openSqliteMessageStore } from '../../store/sqlite-message-store.ts';
import { DATA_FILES } from '../../service/data-files.ts';
import { ExitCode } from '../exit-code.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';

/** Options of `messages`. */
export interface MessagesOptions {
  /** Comma-separated states. */
  state?: string;
  limit?: string;
  json?: boolean;
  /** Data directory (else from the configuration). */
  data?: string;
}

/**
 * Opens the message store of the data directory (the service may be running: SQLite lets both in).
 * @returns The store, or undefined after printing why not.
 */
export function openStoreForCli(
  data: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  io: CliIo,
): MessageStore | undefined {
  try {
    const dataDir = data ?? loadConfig({ env }).dataDir;
    return openSqliteMessageStore({ file: path.join(dataDir, DATA_FILES.messages) });
  } catch (err) {
    io.stderr.write(describeLoadError('the message store', err).join('\n') + '\n');
    return undefined;
  }
}

/**
 * Lists stored messages, newest first, with state, attempts and last error (never their content).
 * @returns 0, or 2 when the store cannot be opened or a state is unknown.
 */
export async function runMessages(
  options: MessagesOptions,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ExitCode> {
  const states = (options.state ?? '').split(',').filter(Boolean);
  const known = new Set<string>(Object.values(MessageState));
  const unknown = states.filter((s) => !known.has(s));
  if (unknown.length) {
    io.stderr.write(`unknown state ${unknown.join(', ')} (states: ${[...known].join(', ')})\n`);
    return ExitCode.Usage;
  }
  const store = openStoreForCli(options.data, env, io);
  if (!store) return ExitCode.Usage;
  try {
    const messages = store.list({
      ...(states.length ? { states: states as MessageState[] } : {}),
      limit: Number(options.limit ?? 50) || 50,
    });
    if (options.json) {
      io.stdout.write(JSON.stringify({ counts: store.countByState(), messages }, null, 2) + '\n');
      return ExitCode.Ok;
    }
    const counts = Object.entries(store.countByState())
      .map(([s, n]) => `${s} ${n}`)
      .join(', ');
    io.stdout.write(`${counts}\n`);
    if (messages.length) io.stdout.write(formatTable(messages));
    return ExitCode.Ok;
  } finally {
    await store.close();
  }
}

function formatTable(messages: readonly StoredMessage[]): string {
  const rows = messages.map((m) => [
    String(m.id),
    m.receivedAt.replace(/\.\d+Z$/, 'Z'),
    m.transport,
    m.messageType ?? '-',
    m.controlId ?? '-',
    m.state,
    String(m.attempts),
    errorText(m),
  ]);
  const header = ['id', 'received', 'via', 'type', 'control id', 'state', 'tries', 'last error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function errorText(m: StoredMessage): string {
  const first = m.lastError?.issue?.find(isErrorIssue);
  if (!first) return '';
  const code = first.details?.coding?.[0]?.code;
  const where = first.expression?.[0];
  return [code, where, first.diagnostics].filter(Boolean).join(' ').slice(0, 120);
}
