#!/usr/bin/env node
// Launcher behind `npx studybridge` and the package `bin`. The CLI is TypeScript that Node 24 runs by type
// stripping; under an older Node (whatever `node` is first on PATH) it re-executes the CLI with the Node 24
// the project pins as a dependency. Plain JavaScript on purpose: it must parse on any Node.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIN_NODE_MAJOR = 24;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'src', 'cli', 'main.ts');

if (Number(process.versions.node.split('.')[0]) >= MIN_NODE_MAJOR) {
  await import(pathToFileURL(main).href);
} else {
  reexec();
}

function reexec() {
  const node = pinnedNode();
  if (!node) {
    process.stderr.write(
      `studybridge needs Node.js ${MIN_NODE_MAJOR} or newer (this is ${process.version}), and the project's own ` +
        `Node ${MIN_NODE_MAJOR} was not found; run \`npm install\` in ${root}.\n`,
    );
    process.exitCode = 2;
    return;
  }
  const child = spawn(node, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl-C reaches the child directly (same process group); only keep this process alive until it is done.
  process.on('SIGINT', () => {});
  // Signals sent to this process alone are passed on, so `kill <pid>` stops the real CLI too.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`studybridge: cannot start ${node}: ${err.message}\n`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so callers see what the CLI saw.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exitCode = code ?? 1;
    }
  });
}

/** The `node` dependency's binary: resolved like a module first (hoisted installs), then at fixed places. */
function pinnedNode() {
  const candidates = [];
  try {
    const pkg = createRequire(import.meta.url).resolve('node/package.json');
    candidates.push(path.join(path.dirname(pkg), 'bin', 'node'));
  } catch {
    // Not resolvable as a module; the fixed places below may still hold it.
  }
  candidates.push(path.join(root, 'node_modules', 'node', 'bin', 'node'));
  candidates.push(path.join(root, 'node_modules', '.bin', 'node'));
  return candidates.find((c) => existsSync(c));
}
