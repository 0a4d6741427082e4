/**
 * Entry point of `studybridge` (`npm run studybridge -- <args>`, or `bin/studybridge.js`). It only connects
 * the process to {@link runCli}; everything else is testable in-process.
 */
import { processIo } from './io.ts';
import { runCli } from './program.ts';
import { realStages } from './stages.ts';

// exitCode rather than process.exit(): piped stdout must be flushed before the process ends.
process.exitCode = await runCli(process.argv.slice(2), { io: processIo(), env: process.env, stages: realStages });
