/** The loaded, validated, frozen mapping set. Shape to be filled in by the mapping engine. */
export type Mappings = Readonly<Record<string, unknown>>;

/**
 * Reads every file under `dir`, checks each against its JSON Schema and cross-references, and returns the frozen set.
 * @param dir - The mappings directory.
 * @returns The mappings.
 * @throws AdapterError `mapping.invalid` with one issue per problem (file, path, reason), all at once.
 */
export async function loadMappings(dir: string): Promise<Mappings> {
  void dir;
  throw new Error('not implemented yet');
}
