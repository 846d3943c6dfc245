import type { FieldDescription } from './wire/backend-messages.ts';

/** Text written in place of a masked text-typed value; other types become NULL. */
export const MASK_TEXT = '********';

// Types whose values may carry the masked text (text, varchar, bpchar, name, citext is not
// built in and arrives as its own OID: it is nulled, which is safe).
const TEXT_TYPES = new Set([25, 1043, 1042, 19]);

/** The column a result field comes from, and its relation's kind (pg_class.relkind). */
export interface ColumnOrigin {
  name: string;
  relkind: string;
}

/** Resolves what the proxy needs from the upstream catalog. */
export interface ColumnOriginResolver {
  /** The column a result field comes from (tableOid/attnum), if any. */
  columnOrigin(tableOid: number, columnNumber: number): Promise<ColumnOrigin | undefined>;
  /** Columns and single-column unique keys of the visible tables with these names (for the decision). */
  relationColumns(names: readonly string[]): Promise<{ columns: Record<string, string[]>; keys: Record<string, string[]> }>;
}

/** Relation kinds whose columns hold stored values: ordinary and partitioned tables. */
const BASE_RELATIONS = new Set(['r', 'p']);

/**
 * A per-result plan: which result positions to mask and how. Built once per RowDescription,
 * applied to every DataRow. Masks fail closed by result column: a field is masked when its
 * output name or its base column matches a masked name (case-insensitive), and also when it
 * has no known base column at all (an expression, a function's result, a view's or a
 * subquery's column): the engine denies expressions over masked columns, and what it could
 * not see is masked here rather than sent in clear.
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
    if (!hit) {
      const origin = field.tableOid !== 0 && field.columnNumber > 0 ? await origins.columnOrigin(field.tableOid, field.columnNumber) : undefined;
      hit = origin === undefined || !BASE_RELATIONS.has(origin.relkind) || masked.has(origin.name.toLowerCase());
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
