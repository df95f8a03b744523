/** A UUID in its textual form, 8-4-4-4-12 hex digits, in any letter case. */
const ID_FORM = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one rule for task and file ids, wherever they come from (a path, a parameter): a UUID in
 * any letter case names the same thing as its lower-case form, which is how ids are stored.
 * Returns that stored form, or null for anything that cannot be an id.
 */
export function normaliseId(raw: unknown): string | null {
  return typeof raw === 'string' && ID_FORM.test(raw) ? raw.toLowerCase() : null;
}
