import { describe, expect, it } from 'vitest';
import { initSqlParser } from '../../../engine/sql/sql-facts.ts';
import { previewStatement } from '../../../dataplane/postgres/statement-preview.ts';

describe('the proxy previews a statement before its decision', () => {
  it('before the parser is loaded every text may change settings, and that reading is not remembered', async () => {
    expect(previewStatement('SELECT id FROM orders')).toEqual({ relations: [], mayChangeSettings: true });
    await initSqlParser();
    expect(previewStatement('SELECT id FROM orders')).toEqual({ relations: ['orders'], mayChangeSettings: false });
  });

  it('names the relations and the settings a statement may change, the same each time it is asked', async () => {
    await initSqlParser();
    const join = 'SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id';
    expect(previewStatement(join).relations).toEqual(['orders', 'customers']);
    expect(previewStatement(join)).toBe(previewStatement(join));
    expect(previewStatement("SET search_path = 'x'").mayChangeSettings).toBe(true);
    expect(previewStatement('DISCARD ALL').mayChangeSettings).toBe(true);
    expect(previewStatement('SELEC nonsense').mayChangeSettings).toBe(true);
    expect(previewStatement('SELEC nonsense').relations).toEqual([]);
  });

  it('a text longer than the remembered size is read the same way', async () => {
    await initSqlParser();
    const long = `SELECT id FROM orders WHERE note = '${'x'.repeat(10_000)}'`;
    expect(previewStatement(long)).toEqual({ relations: ['orders'], mayChangeSettings: false });
  });

  it('a remembered preview cannot be altered by its caller', async () => {
    await initSqlParser();
    const preview = previewStatement('SELECT id FROM orders');
    expect(Object.isFrozen(preview) && Object.isFrozen(preview.relations)).toBe(true);
  });
});
