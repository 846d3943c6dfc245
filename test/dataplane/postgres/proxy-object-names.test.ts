import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './proxy-fixture.ts';
import { RawWireClient, wire } from './raw-wire-client.ts';

// Errors about prepared statements and portals name the client's object, never the proxy's
// internal upstream name, with PostgreSQL's SQLSTATEs; the session stays usable after Sync.

let h: ProxyHarness;

beforeAll(async () => {
  h = await startProxyHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function batch(client: RawWireClient, ...messages: Buffer[]): Promise<{ types: string[]; errors: Map<string, string>[] }> {
  client.messages.length = 0;
  client.send(Buffer.concat([...messages, wire.sync()]));
  await client.waitFor('Z');
  return { types: client.messages.map((m) => m.type), errors: client.errors() };
}

describe('PostgreSQL proxy: unknown prepared statements and portals', () => {
  it.each([
    ['Bind to a named statement', () => wire.bind('', 'report_stmt'), '26000', 'prepared statement "report_stmt" does not exist'],
    ['Bind to the unnamed statement', () => wire.bind('', ''), '26000', 'unnamed prepared statement does not exist'],
    ['Describe of a statement', () => wire.describe('S', 'report_stmt'), '26000', 'prepared statement "report_stmt" does not exist'],
    ['Describe of a portal', () => wire.describe('P', 'cursor_1'), '34000', 'portal "cursor_1" does not exist'],
    ['Execute of a portal', () => wire.execute('cursor_1'), '34000', 'portal "cursor_1" does not exist'],
    ['Execute of the unnamed portal', () => wire.execute(''), '34000', 'unnamed portal does not exist'],
  ])('%s that was never made is an error with the client\'s name', async (_what, message, code, text) => {
    const client = await RawWireClient.login(h.host, h.port, h.database, await h.issue());
    try {
      const reply = await batch(client, message());
      expect(reply.types).toEqual(['E', 'Z']);
      expect(reply.errors[0]!.get('C')).toBe(code);
      expect(reply.errors[0]!.get('M')).toBe(text);
      expect(JSON.stringify([...reply.errors[0]!.values()])).not.toContain('gatehouse_');
      // The session goes on: a statement made and run afterwards works.
      const after = await batch(client, wire.parse('report_stmt', 'SELECT count(*) FROM orders'), wire.bind('', 'report_stmt'), wire.execute(''));
      expect(after.types).toEqual(['1', '2', 'D', 'C', 'Z']);
    } finally {
      client.destroy();
    }
  });

  it('a statement closed earlier is unknown again, by its client name', async () => {
    const client = await RawWireClient.login(h.host, h.port, h.database, await h.issue());
    try {
      expect((await batch(client, wire.parse('gone', 'SELECT 1'), wire.close('S', 'gone'))).types).toEqual(['1', '3', 'Z']);
      const reply = await batch(client, wire.bind('p1', 'gone'), wire.execute('p1'));
      expect(reply.types).toEqual(['E', 'Z']);
      expect(reply.errors[0]!.get('C')).toBe('26000');
      expect(reply.errors[0]!.get('M')).toBe('prepared statement "gone" does not exist');
    } finally {
      client.destroy();
    }
  });
});
