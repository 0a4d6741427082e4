import type { Bundle, BundleEntry, Identifier, Patient, Provenance, Reference, Resource } from '@medplum/fhirtypes';
import { conditionalUrl } from '../map/identity.ts';
import type { RowWithShared } from '../map/csv/shared-resource.ts';
import { messageUuids } from './resource-ids.ts';

/** What every Bundle of one CSV import shares. */
export interface CsvBundleContext {
  /** The layout's id, e.g. `registry-labs-wide`. */
  layoutId: string;
  /** The layout's source: scopes the identifier systems. */
  source: string;
  /** Base of business identifier systems (mappings settings). */
  identifierBase: string;
  /** Base of studybridge's canonical URLs (profiles). */
  canonicalBase: string;
  /** When the file was received: Bundle.timestamp and Provenance.recorded. */
  receivedAt: string;
}

/** One Bundle's worth of accepted rows, and the digest that names them. */
export interface CsvChunk {
  rows: readonly RowWithShared[];
  /** Hex digest of the rows' original text: the same rows give the same Bundle, whatever file they came in. */
  digest: string;
}

/**
 * @returns How many entries a chunk of these rows needs: one Patient per subject, one entry per distinct shared
 *   resource, the rows' resources, one Provenance.
 */
export function entriesNeeded(subjects: number, resources: number, shared = 0): number {
  return subjects + shared + resources + 1;
}

/**
 * The bundle stage of a CSV import: wraps accepted rows in one transaction. Each subject's Patient is a
 * conditional create (`ifNoneExist` on the study subject identifier), so a spreadsheet never overwrites a Patient
 * that an HL7 feed or an earlier import wrote; every row resource is a conditional update on its business
 * identifier and points to its Patient's entry; one Provenance names the rows as the source. Entry ids are
 * name-based on the digest, so importing the same rows again gives the same Bundle.
 *
 * Resources that rows share (a study's ResearchStudy, a product lot's Medication) are written once per Bundle, as a
 * conditional update on their URL, whatever the number of rows naming them; each row resource element that refers
 * to one by that URL is pointed at its entry. A row resource that carries its own id (one whose type has no
 * identifier search parameter, like R4 AdverseEvent) is updated by that id instead of conditionally.
 * @param chunk - The rows and their digest.
 * @param ctx - What the import's Bundles share.
 * @returns The transaction Bundle.
 */
export function buildCsvBundle(chunk: CsvChunk, ctx: CsvBundleContext): Bundle {
  const uuid = messageUuids(`csv|${ctx.layoutId}|${chunk.digest}`);
  let position = 0;
  const patients = new Map<string, string>();
  const patientEntries: BundleEntry[] = [];
  const rowEntries: BundleEntry[] = [];
  const targets: Reference[] = [];
  const shared = new Map<string, string>();
  const rewritten = new Map<unknown, unknown>();
  const sharedEntries: BundleEntry[] = [];
  const sharedTargets: Reference[] = [];
  for (const row of chunk.rows) {
    const patientKey = `${row.subjectSystem}|${row.subject}`;
    let patientUrl = patients.get(patientKey);
    if (!patientUrl) {
      patientUrl = `urn:uuid:${uuid(position++)}`;
      patients.set(patientKey, patientUrl);
      const identifier: Identifier = { system: row.subjectSystem, value: row.subject };
      const patient: Patient = {
        resourceType: 'Patient',
        meta: { profile: [`${ctx.canonicalBase}/StructureDefinition/studybridge-patient`] },
        identifier: [identifier],
      };
      patientEntries.push({
        fullUrl: patientUrl,
        resource: patient,
        request: { method: 'POST', url: 'Patient', ifNoneExist: conditionalUrl('Patient', identifier).split('?')[1] },
      });
    }
    for (const s of row.sharedResources ?? []) {
      if (shared.has(s.url)) continue;
      const fullUrl = `urn:uuid:${uuid(position++)}`;
      shared.set(s.url, fullUrl);
      const resource = s.subjectElement
        ? pointAtShared({ ...s.resource, [s.subjectElement]: { reference: patientUrl } } as Resource, shared, rewritten)
        : s.resource;
      sharedEntries.push({ fullUrl, resource, request: { method: 'PUT', url: s.url } });
      sharedTargets.push({ reference: fullUrl });
    }
    for (const result of row.results) {
      let resource = { ...result.resource, [result.subjectElement]: { reference: patientUrl } } as Resource;
      if (row.sharedResources?.length) resource = pointAtShared(resource, shared, rewritten);
      if (resource.id) {
        const fullUrl = `urn:uuid:${resource.id}`;
        rowEntries.push({
          fullUrl,
          resource,
          request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
        });
        targets.push({ reference: fullUrl });
        continue;
      }
      const fullUrl = `urn:uuid:${uuid(position++)}`;
      const identifier = (resource as { identifier?: Identifier[] }).identifier?.[0] ?? {};
      rowEntries.push({
        fullUrl,
        resource,
        request: { method: 'PUT', url: conditionalUrl(resource.resourceType, identifier) },
      });
      targets.push({ reference: fullUrl });
    }
  }
  const provenanceId = uuid(position);
  const provenance: Provenance = {
    resourceType: 'Provenance',
    id: provenanceId,
    target: targets.length
      ? [...targets, ...sharedTargets]
      : [...patients.values()].map((reference) => ({ reference })),
    recorded: ctx.receivedAt,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE', display: 'revise' }],
    },
    agent: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'author',
              display: 'Author',
            },
          ],
        },
        who: { identifier: { system: `${ctx.identifierBase}/${ctx.source}/application`, value: ctx.source } },
      },
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
              code: 'assembler',
              display: 'Assembler',
            },
          ],
        },
        who: { display: 'studybridge' },
      },
    ],
    entity: [
      {
        role: 'source',
        what: {
          identifier: { system: `${ctx.identifierBase}/${ctx.source}/csv-rows`, value: chunk.digest },
          display: `CSV export, layout ${ctx.layoutId}, ${chunk.rows.length} row${chunk.rows.length === 1 ? '' : 's'}`,
        },
      },
    ],
  };
  return {
    resourceType: 'Bundle',
    identifier: { system: `${ctx.identifierBase}/${ctx.source}/csv-rows`, value: chunk.digest },
    type: 'transaction',
    timestamp: ctx.receivedAt,
    entry: [
      ...patientEntries,
      ...sharedEntries,
      ...rowEntries,
      {
        fullUrl: `urn:uuid:${provenanceId}`,
        resource: provenance,
        request: { method: 'PUT', url: `Provenance/${provenanceId}` },
      },
    ],
  };
}

/**
 * Points the top-level references of a row resource that name a shared resource by its conditional URL at that
 * resource's entry (`study`, `medicationReference`, `encounter`, each `study` of a list), and those of its
 * extensions (`workflow-researchStudy`).
 */
function pointAtShared(
  resource: Resource,
  shared: ReadonlyMap<string, string>,
  rewritten: Map<unknown, unknown>,
): Resource {
  const point = (value: unknown): unknown => {
    const ref = (value as Reference | null)?.reference;
    const fullUrl = typeof ref === 'string' ? shared.get(ref) : undefined;
    return fullUrl ? { ...(value as Reference), reference: fullUrl } : value;
  };
  const names = (value: unknown): boolean => {
    const ref = (value as Reference | null)?.reference;
    return typeof ref === 'string' && shared.has(ref);
  };
  // Copied once, and only the values that name a shared resource are replaced: this runs for every resource of a
  // study-linked row, millions of times in a large export.
  const out = { ...resource } as Record<string, unknown>;
  for (const key in out) {
    const value = out[key];
    if (!value || typeof value !== 'object') continue;
    if (key === 'extension' && Array.isArray(value)) {
      // Rows of a layout share one frozen extension array: rewritten once per Bundle.
      let ext = rewritten.get(value);
      if (!ext) {
        ext = value.map((e: { valueReference?: Reference }) =>
          e.valueReference ? { ...e, valueReference: point(e.valueReference) } : e,
        );
        rewritten.set(value, ext);
      }
      out[key] = ext;
    } else if (Array.isArray(value)) {
      if (value.some(names)) out[key] = value.map(point);
    } else if (names(value)) out[key] = point(value);
  }
  return out as unknown as Resource;
}
