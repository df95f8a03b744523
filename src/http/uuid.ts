const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one id rule of the API: any letter case is accepted and ids are stored in lower case.
 * Answers the canonical id, or null for anything that is not a UUID (which then answers 404).
 */
export const canonicalId = (value: string): string | null =>
  UUID.test(value) ? value.toLowerCase() : null;
