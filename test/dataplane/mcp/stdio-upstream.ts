// The stdio upstream of the MCP proxy tests: the same tools as the HTTP one, on stdin/stdout.
// Usage: node --import tsx stdio-upstream.ts PG_URL SCRATCH_DIR
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createUpstreamServer } from './upstream-tools.ts';

const [pgUrl, scratch] = process.argv.slice(2);
if (!pgUrl || !scratch) {
  process.stderr.write('usage: stdio-upstream.ts PG_URL SCRATCH_DIR\n');
  process.exit(2);
}
await createUpstreamServer({ pgUrl, scratch, label: 'local' }).connect(new StdioServerTransport());
