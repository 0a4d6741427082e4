import type { ElementDefinition, ElementDefinitionType } from '@medplum/fhirtypes';

const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/**
 * The FHIR type code of an element type. R4 snapshots type `id`, `Extension.url` and primitive values as
 * FHIRPath system types with the FHIR type in an extension; `Resource.id` says `string` there although the
 * specification and the JSON schema make it an `id`.
 * @param t - One entry of ElementDefinition.type.
 * @param ed - The element.
 * @returns The FHIR type name.
 */
export function typeCode(t: ElementDefinitionType, ed: ElementDefinition): string {
  if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
  if (ed.base?.path === 'Resource.id') return 'id';
  return t.extension?.find((x) => x.url === FHIR_TYPE_EXT)?.valueUrl ?? 'string';
}

/** @returns `valueQuantity` for (`value`, `Quantity`): the JSON name of one type of a choice element. */
export function choiceKey(name: string, code: string): string {
  return name + code.charAt(0).toUpperCase() + code.slice(1);
}
