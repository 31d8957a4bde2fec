// Everything a probed host, a customer's agent or a help desk says is data. Where such a string
// enters the report model it loses the characters that could steer a terminal (ESC sequences that
// retitle or clear it), fabricate report lines (CR/LF) or break a table, and is cut to a length a
// person can read. Renderers escape for their format on top of this; this step makes the model
// itself safe for every output, including ones written later.

/** C0 controls, DEL, C1 controls, and the two Unicode line separators. Linear: a plain class. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BREAKS = new Set(['\t', '\n', '\r', '\v', '\f', '\u2028', '\u2029']);

/** Default cap for one string a host sent (banner, title, certificate subject, error text). */
export const MAX_HOST_STRING = 512;
/** Default cap for the items of one list a host sent (SANs, auth methods, trunks …). */
export const MAX_HOST_ITEMS = 1000;

/** One line of text: line breaks and tabs become spaces, other controls are dropped, then capped. */
export function cleanText(s: string, max = MAX_HOST_STRING): string {
  let out = s.length > max * 4 ? s.slice(0, max * 4) : s;
  out = out.replace(CONTROLS, (c) => (BREAKS.has(c) ? ' ' : ''));
  if (out.length <= max) return out;
  let cut = max - 1;
  // Never leave half of a surrogate pair at the end.
  const last = out.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${out.slice(0, cut)}…`;
}

/** Controls out, line breaks to spaces, no cap: what every renderer applies to every field. */
export function oneLine(s: string): string {
  return s.replace(CONTROLS, (c) => (BREAKS.has(c) ? ' ' : ''));
}

/** True when the text holds a character cleanText would change (for validators that refuse). */
export function hasControls(s: string): boolean {
  return HAS_CONTROL.test(s);
}
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A deep copy of untrusted data with every string cleaned and every list capped; numbers that
 * are not finite become null (JSON cannot carry them, and a renderer would print "NaN").
 */
export function cleanDeep<T>(value: T, max = MAX_HOST_STRING, maxItems = MAX_HOST_ITEMS): T {
  return walk(value, max, maxItems, 0) as T;
}

function walk(value: unknown, max: number, maxItems: number, depth: number): unknown {
  if (typeof value === 'string') return cleanText(value, max);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (depth > 32) return null;
  if (Array.isArray(value)) return value.slice(0, maxItems).map((v) => walk(v, max, maxItems, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k, 128)] = walk(v, max, maxItems, depth + 1);
    return out;
  }
  return value;
}
