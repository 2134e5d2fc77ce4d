/**
 * A plain JSON object: not an array, not null. What the panel reads from outside (frames a page sends, HAR files
 * anyone wrote) is untrusted `unknown`; this is the one check before reading its fields.
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
