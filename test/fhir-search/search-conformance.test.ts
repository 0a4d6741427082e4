import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedFhir, type EmbeddedFhir } from '../../src/fhir-server/embedded-fhir.ts';
import { sharedValidator } from '../../src/fhir-server/test-support.ts';
import { loadSearchCases, loadSeed, runSearchCase } from './search-cases.ts';

// Set FHIR_SEARCH_BASE_URL (e.g. http://localhost:8080/fhir) to run the same cases against another server.
const external = process.env['FHIR_SEARCH_BASE_URL'];
let base = external ?? '';
let fhir: EmbeddedFhir | undefined;
let server: Server | undefined;
let dir = '';

beforeAll(async () => {
  if (!external) {
    dir = mkdtempSync(path.join(tmpdir(), 'sb-search-'));
    fhir = await openEmbeddedFhir({ file: path.join(dir, 'fhir.sqlite'), validator: await sharedValidator() });
    const app = express();
    app.use('/fhir', fhir.router());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, () => resolve(s));
    });
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/fhir`;
  }
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: loadSeed(),
  });
  if (res.status !== 200) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
});

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await fhir?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

for (const { group, cases } of loadSearchCases()) {
  describe(`search conformance: ${group}`, () => {
    for (const c of cases) {
      it(`When ${c.request}, then ${c.name}`, async () => {
        expect(await runSearchCase(base, c)).toEqual([]);
      });
    }
  });
}
