import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { normalizeError } from '../../errors/outcomes.ts';
import type { ConvertedMessage, ConvertFn } from '../../pipeline/convert-types.ts';
import { messageDocument, toOutputDocument } from '../../conformance/output-document.ts';
import { ExitCode } from '../exit-code.ts';
import { formatOutcome } from '../format-issues.ts';
import type { CliIo } from '../io.ts';
import { describeLoadError } from '../load-errors.ts';
import { outputFileName } from '../output-files.ts';
import type { Stages } from '../stages.ts';
import { messageLabel, summariseWarnings } from '../warning-summary.ts';

/** Parsed options of `studybridge convert`. */
export interface ConvertCommandOptions {
  file: string;
  /** Write one JSON file per message here instead of printing. */
  out?: string;
  /** False with `--no-validate`. */
  validate: boolean;
  /** ISO 8601 instant for Provenance.recorded; default now. */
  receivedAt?: string;
  mappingsDir: string;
  profilesDir: string;
}

/** A FHIR instant: seconds and a time zone are required. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Converts one file and prints the result: the Bundle (one message) or a JSON array with a Bundle or
 * OperationOutcome per message (batch); with `--out`, one file per message and a summary line each on stderr.
 * Failures and warnings are summarised on stderr.
 * @returns 0 when every message converted, 1 when one did not, 2 when the input or configuration could not be read.
 */
export async function runConvert(options: ConvertCommandOptions, io: CliIo, stages: Stages): Promise<ExitCode> {
  const fail = (line: string): ExitCode => (io.stderr.write(`studybridge convert: ${line}\n`), ExitCode.Usage);
  if (
    options.receivedAt !== undefined &&
    (!INSTANT.test(options.receivedAt) || isNaN(Date.parse(options.receivedAt)))
  ) {
    return fail(`--received-at must be an ISO 8601 instant with seconds and zone, e.g. 2026-01-01T00:00:00Z`);
  }

  let input: Uint8Array;
  try {
    // Bytes, not text: the parse stage picks the charset from MSH-18.
    input = new Uint8Array(await readFile(options.file));
  } catch (err) {
    return fail(`cannot read ${options.file}: ${readErrorText(err)}`);
  }

  let convert: ConvertFn;
  try {
    convert = await stages.createConverter({ mappingsDir: options.mappingsDir, profilesDir: options.profilesDir });
  } catch (err) {
    for (const line of describeLoadError('mappings and profiles', err))
      io.stderr.write(`studybridge convert: ${line}\n`);
    return ExitCode.Usage;
  }

  let messages: ConvertedMessage[];
  try {
    messages = await convert(input, { validate: options.validate, receivedAt: options.receivedAt });
  } catch (err) {
    // The converter reports bad input per message; a throw is a bug, and its text may quote the input.
    const e = normalizeError(err);
    io.stderr.write(`studybridge convert: conversion failed (${e.code}): ${e.message}\n`);
    return ExitCode.Failed;
  }

  if (options.out) {
    await mkdir(options.out, { recursive: true });
    for (const m of messages) {
      const file = path.join(options.out, outputFileName(options.file, m.index, m.controlId));
      await writeFile(file, JSON.stringify(messageDocument(m), null, 2) + '\n');
      io.stderr.write(`${messageLabel(m)}: ${describeResult(m)} → ${file}\n`);
    }
  } else {
    io.stdout.write(JSON.stringify(toOutputDocument(messages), null, 2) + '\n');
  }

  const failed = messages.filter((m) => !m.ok);
  for (const m of failed) {
    io.stderr.write(`${messageLabel(m)} failed${m.error ? ` (${m.error.code})` : ''}:\n`);
    for (const line of formatOutcome(m.outcome)) io.stderr.write(`  ${line}\n`);
  }
  for (const line of summariseWarnings(messages)) io.stderr.write(`${line}\n`);
  if (messages.length === 0) {
    io.stderr.write(`studybridge convert: no messages found in ${options.file}\n`);
    return ExitCode.Failed;
  }
  if (failed.length) {
    io.stderr.write(`${failed.length} of ${messages.length} message${messages.length === 1 ? '' : 's'} failed\n`);
    return ExitCode.Failed;
  }
  return ExitCode.Ok;
}

function describeResult(m: ConvertedMessage): string {
  if (m.ok) return `ok, Bundle with ${m.bundle?.entry?.length ?? 0} entries`;
  const n = m.outcome.issue?.length ?? 0;
  return `FAILED, ${n} issue${n === 1 ? '' : 's'}`;
}

function readErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}
