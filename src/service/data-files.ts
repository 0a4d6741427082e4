/** File names inside the data directory, shared by the service and the CLI that inspects it. */
export const DATA_FILES = { messages: 'messages.db', fhir: 'fhir.db' } as const;
