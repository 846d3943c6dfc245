/**
 * The one form in which identities are compared: a verified claim, NFC-normalised, that carries
 * no leading/trailing whitespace and no control or invisible formatting characters. A claim
 * that is not already in this form makes the credential invalid rather than being silently
 * repaired, so `planner-web ` can never pass as (or be refused as) `planner-web`.
 */

// C0/C1 controls, zero-width and bidi formatting characters, line/paragraph separators, BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;

/** Why `value` is not a usable identity claim, or undefined when it is. */
export function identityClaimProblem(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (value.trim() !== value) return 'has leading or trailing whitespace';
  if (FORBIDDEN.test(value)) return 'contains a control or invisible formatting character';
  if (value.normalize('NFC') !== value) return 'is not in Unicode NFC form';
  return undefined;
}

/** The comparison key of an identity string: NFC form with surrounding whitespace removed. */
export function identityForm(value: string): string {
  return value.normalize('NFC').trim();
}

/** Whether two identity strings name the same identity. Undefined or empty never matches. */
export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = identityForm(a);
  return left !== '' && left === identityForm(b);
}

