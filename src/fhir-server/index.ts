export {
  openEmbeddedFhir,
  type EmbeddedFhir,
  type EmbeddedFhirOptions,
  type EmbeddedResponse,
} from './embedded-fhir.ts';
export { EmbeddedFhirTarget } from './embedded-target.ts';
export { SqliteRepository } from './sqlite-repository.ts';
