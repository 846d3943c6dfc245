import type { FieldDescription } from './wire/backend-messages.ts';

/** Text written in place of a masked text-typed value; other types become NULL. */
export const MASK_TEXT = '********';

// Types whose values may carry the masked text (text, varchar, bpchar, name, citext is not
// built in and arrives as its own OID: it is nulled, which is safe).
const TEXT_TYPES = new Set([25, 1043, 1042, 19]);

/** Resolves the base-table column a result field comes from (tableOid/attnum → name). */
export interface ColumnOriginResolver {
  columnName(tableOid: number, columnNumber: number): Promise<string | undefined>;
}

/**
 * A per-result plan: which result positions to mask and how. Built once per RowDescription,
 * applied to every DataRow. A field is masked when its base column OR its output name
 * matches a masked name (case-insensitive), so aliases and `*` are caught by origin, and a
 * derived column that kept the name is caught by name. Derived columns under another name
 * are the engine's job: it denies statements that use a masked column other than as plain
 * output, so such a column never reaches this point.
 */
export interface MaskPlan {
  positions: { index: number; replacement: (format: number) => Buffer | null }[];
  formats: number[];
}

export async function planMask(
  fields: FieldDescription[],
  masked: ReadonlySet<string>,
  origins: ColumnOriginResolver,
  resultFormats?: number[],
): Promise<MaskPlan> {
  const positions: MaskPlan['positions'] = [];
  const formats = fields.map((field, i) => resultFormats?.[resultFormats.length === 1 ? 0 : i] ?? field.format);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    let hit = masked.has(field.name.toLowerCase());
    if (!hit && field.tableOid !== 0 && field.columnNumber > 0) {
      const base = await origins.columnName(field.tableOid, field.columnNumber);
      hit = base !== undefined && masked.has(base.toLowerCase());
    }
    if (!hit) continue;
    const isText = TEXT_TYPES.has(field.typeOid);
    positions.push({
      index: i,
      // Binary text values are the raw UTF-8 bytes, the same as the text format.
      replacement: () => (isText ? Buffer.from(MASK_TEXT, 'utf8') : null),
    });
  }
  return { positions, formats };
}

export function maskRow(values: (Buffer | null)[], plan: MaskPlan): (Buffer | null)[] {
  if (plan.positions.length === 0) return values;
  const out = values.slice();
  for (const { index, replacement } of plan.positions) {
    if (index < out.length && out[index] !== null) out[index] = replacement(plan.formats[index] ?? 0);
  }
  return out;
}
