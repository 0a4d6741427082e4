import { Command, CommanderError } from 'commander';
import { normalizeError } from '../errors/outcomes.ts';
import { runCheckMappings } from './commands/check-mappings.ts';
import { DEFAULT_CASES_DIR, runConformanceCommand } from './commands/conformance.ts';
import { runConvert } from './commands/convert.ts';
import { runImport, type ImportCommandOptions } from './commands/import.ts';
import { runMessages } from './commands/messages.ts';
import { runReplay } from './commands/replay.ts';
import { runServe, processStopSignal } from './commands/serve.ts';
import { ExitCode } from './exit-code.ts';
import type { CliIo } from './io.ts';
import type { Stages } from './stages.ts';

/** What the CLI needs from its surroundings; `main.ts` passes the process's, tests pass fakes. */
export interface CliContext {
  io: CliIo;
  /** Environment, for the directory defaults. */
  env: Readonly<Record<string, string | undefined>>;
  stages: Stages;
  /** For `serve`: resolves when the service should stop (default: SIGTERM or SIGINT). */
  stopSignal?: () => Promise<string>;
}

/** Options every command sees. */
interface GlobalOptions {
  mappings: string;
  profiles: string;
}

/**
 * Parses the arguments, runs the command and returns its exit code. Usage errors print commander's message
 * and return 2; `--help` returns 0.
 * @param argv - Arguments after the program name.
 * @param ctx - Streams, environment and stages.
 * @returns The exit code.
 */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(ctx, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    // Commands handle their own failures; reaching here is a bug, and its text may quote input data.
    const e = normalizeError(err);
    ctx.io.stderr.write(`studybridge: ${e.message} (${e.code})\n`);
    return ExitCode.Failed;
  }
  return exitCode;
}

function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const { io, env, stages } = ctx;
  const program = new Command('studybridge')
    .description('Converts HL7 v2 lab results into FHIR R4 transaction Bundles.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .option('--mappings <dir>', 'mapping files directory', env.STUDYBRIDGE_MAPPINGS_DIR || './mappings')
    .option('--profiles <dir>', 'StructureDefinition profiles directory', env.STUDYBRIDGE_PROFILES_DIR || './profiles');
  const dirs = (cmd: Command): { mappingsDir: string; profilesDir: string } => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    return { mappingsDir: g.mappings, profilesDir: g.profiles };
  };

  program
    .command('convert')
    .description('convert one HL7 v2 file (a message or a batch) and print the Bundle(s)')
    .argument('<file>', 'HL7 v2 file')
    .option('--out <dir>', 'write <basename>-<index>-<controlId>.json per message instead of printing')
    .option('--no-validate', 'skip validating the produced resources')
    .option('--received-at <iso>', 'when the input was received (Provenance.recorded); default now')
    .action(async (file: string, opts: { out?: string; validate: boolean; receivedAt?: string }, cmd: Command) => {
      setExit(await runConvert({ file, ...opts, ...dirs(cmd) }, io, stages));
    });

  program
    .command('import')
    .description('import a CSV export: map, validate and deliver its rows as transaction Bundles, streaming')
    .argument('<file>', 'CSV file')
    .requiredOption('--mapping <layout>', 'layout file, or the id of a layout in <mappings>/csv/')
    .option(
      '--study <id>',
      "the study (in <mappings>/studies/) a lab export's results belong to; overrides the layout's",
    )
    .option('--dry-run', 'map and validate only: deliver and write nothing but the errors file', false)
    .option('--out <dir>', 'write each Bundle as <basename>-<nnnn>.json instead of delivering')
    .option('--strict', 'refuse the whole file at the first bad row: nothing is delivered or written', false)
    .option('--errors <file>', 'errors CSV for rejected rows (default <basename>.errors.csv beside the file)')
    .option('--received-at <iso>', 'when the file was received (Provenance.recorded); default now')
    .option('--bundle-size <n>', 'most entries per Bundle (default 500)')
    .option('--no-validate', 'skip validating the produced resources')
    .option('--json', 'print the summary as JSON on stdout', false)
    .option('--data <dir>', 'data directory of the embedded FHIR server (env STUDYBRIDGE_DATA_DIR, default ./data)')
    .option('--config <file>', 'YAML or JSON config file for the FHIR server (env STUDYBRIDGE_CONFIG)')
    .action(
      async (file: string, opts: Omit<ImportCommandOptions, 'file' | 'mappingsDir' | 'profilesDir'>, cmd: Command) =>
        setExit(await runImport({ file, ...opts, ...dirs(cmd) }, io, stages, { env })),
    );

  program
    .command('check-mappings')
    .description('load the mappings and profiles and list every problem')
    .action(async (_opts: unknown, cmd: Command) => setExit(await runCheckMappings(dirs(cmd), io, stages)));

  program
    .command('conformance')
    .description('run the conformance cases (<case>.hl7 with <case>.expected.json)')
    .argument('[dir...]', `case directories (default ${DEFAULT_CASES_DIR})`)
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--update', 'write the actual outputs as the expectations', false)
    .option('--filter <substring>', 'run only cases whose name contains this')
    .action(async (caseDirs: string[], opts: { junit?: string; update: boolean; filter?: string }, cmd: Command) => {
      setExit(await runConformanceCommand({ dirs: caseDirs, ...opts, ...dirs(cmd) }, io, stages));
    });

  program
    .command('serve')
    .description('run the service: MLLP listener, HTTP API, delivery, embedded FHIR server (until SIGTERM)')
    .option('--config <file>', 'YAML or JSON config file (env STUDYBRIDGE_CONFIG); the environment wins')
    .action(async (opts: { config?: string }, cmd: Command) => {
      // Directories given on the command line win; their env defaults are read by the config loader itself.
      const fromCli = (name: string): boolean => cmd.parent?.getOptionValueSource(name) === 'cli';
      const d = dirs(cmd);
      const options = {
        ...opts,
        ...(fromCli('mappings') ? { mappingsDir: d.mappingsDir } : {}),
        ...(fromCli('profiles') ? { profilesDir: d.profilesDir } : {}),
      };
      setExit(await runServe(options, io, { env, stopSignal: ctx.stopSignal?.() ?? processStopSignal() }));
    });

  program
    .command('messages')
    .description('list stored messages with state, attempts and last error (newest first)')
    .option('--state <states>', `comma-separated: received, converted, delivered, failed, dead`)
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .option('--data <dir>', 'data directory (env STUDYBRIDGE_DATA_DIR, default ./data)')
    .action(async (opts: { state?: string; limit?: string; json?: boolean; data?: string }) =>
      setExit(await runMessages(opts, io, env)),
    );

  program
    .command('replay')
    .description('re-convert stored messages with the current mappings and queue them for delivery')
    .argument('[id]', 'message id')
    .option('--dead', 'replay every dead letter')
    .option('--failed', 'replay every message that failed conversion')
    .option('--data <dir>', 'data directory (env STUDYBRIDGE_DATA_DIR, default ./data)')
    .action(async (id: string | undefined, opts: { dead?: boolean; failed?: boolean; data?: string }, cmd: Command) =>
      setExit(await runReplay({ ...opts, ...(id !== undefined ? { id } : {}), ...dirs(cmd) }, io, env, stages)),
    );

  return program;
}
