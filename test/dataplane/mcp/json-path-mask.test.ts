import { describe, expect, it } from 'vitest';
import { applyMask, MASK_TEXT, maskPaths } from '../../../dataplane/mcp/json-path-mask.ts';
import { maskToolResult } from '../../../dataplane/mcp/result-masker.ts';
import type { JsonObject } from '../../../engine/model/index.ts';

const ROWS: JsonObject = { rows: [{ id: 1, email: 'a@x', nested: { Email: 'b@x' } }, { id: 2, email: 'c@x' }], meta: { email: 'owner@x' } };

function masked(paths: string[], value: unknown = ROWS): unknown {
  const parsed = maskPaths({ mask: paths });
  if (!parsed) throw new Error('paths did not parse');
  return applyMask(value as never, parsed).value;
}

describe('mask obligations as JSON paths', () => {
  it('$.rows[*].email masks that field of every row and nothing else', () => {
    expect(masked(['$.rows[*].email'])).toEqual({
      rows: [{ id: 1, email: MASK_TEXT, nested: { Email: 'b@x' } }, { id: 2, email: MASK_TEXT }],
      meta: { email: 'owner@x' },
    });
  });

  it('a plain name (or table.column) masks the key at any depth, case-insensitively', () => {
    const expected = { rows: [{ id: 1, email: MASK_TEXT, nested: { Email: MASK_TEXT } }, { id: 2, email: MASK_TEXT }], meta: { email: MASK_TEXT } };
    expect(masked(['email'])).toEqual(expected);
    expect(masked(['customers.email'])).toEqual(expected);
  });

  it('$..key descends (case-sensitively), indexes and quoted keys select one node', () => {
    expect(masked(['$..email'])).toMatchObject({ rows: [{ email: MASK_TEXT, nested: { Email: 'b@x' } }, { email: MASK_TEXT }], meta: { email: MASK_TEXT } });
    expect(masked(['$.rows[1].email'])).toMatchObject({ rows: [{ email: 'a@x' }, { email: MASK_TEXT }] });
    expect(masked(["$['meta']"])).toMatchObject({ meta: MASK_TEXT });
    expect(masked(['$.meta.*'])).toMatchObject({ meta: { email: MASK_TEXT } });
  });

  it('counts what it masked and leaves a path that matches nothing alone', () => {
    const parsed = maskPaths({ mask: ['$.rows[*].email', '$.absent.key'] })!;
    expect(applyMask(ROWS, parsed)).toMatchObject({ masked: 2 });
  });

  it('an obligation that is not a list of readable paths is refused (undefined)', () => {
    expect(maskPaths({})).toEqual([]);
    expect(maskPaths({ mask: 'email' })).toBeUndefined();
    expect(maskPaths({ mask: [42] })).toBeUndefined();
    expect(maskPaths({ mask: ['$.rows[?(@.id==1)]'] })).toBeUndefined();
    expect(maskPaths({ mask: ['rows email'] })).toBeUndefined();
  });
});

describe('masking a tool result', () => {
  const paths = maskPaths({ mask: ['email'] })!;

  it('masks JSON text items and structuredContent', () => {
    const out = maskToolResult({ content: [{ type: 'text', text: JSON.stringify(ROWS) }], structuredContent: ROWS }, paths);
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(JSON.stringify(out.result)).not.toMatch(/@x/);
    expect(out.masked).toBe(8);
  });

  it('fails closed on plain text and on images', () => {
    expect(maskToolResult({ content: [{ type: 'text', text: 'email: a@x' }] }, paths)).toMatchObject({ ok: false, reason: 'content item 0 is not JSON, so its fields cannot be masked' });
    expect(maskToolResult({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] }, paths)).toMatchObject({ ok: false, reason: 'content item 0 is image, which cannot be masked' });
  });

  it('with nothing to mask, any result passes unchanged', () => {
    const result = { content: [{ type: 'text' as const, text: 'plain' }] };
    expect(maskToolResult(result, [])).toEqual({ ok: true, result, masked: 0 });
  });
});
