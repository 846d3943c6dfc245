import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The logger of serve and the proxies, run in a child process so its real stdout is read.
const SCRIPT = `
import { redactingLogger } from ${JSON.stringify(join(import.meta.dirname, '../../cli/redacting-logger.ts'))};
const log = redactingLogger('t', 'info');
log.warn({ command: 'sshpass -p hunter22 ssh db-2', nested: { url: 'postgres://app:pa/ss@w0rd@db/app' } }, 'failed: curl -u ops:S3cr3tPass https://x');
`;

describe('redacting logger', () => {
  it('redacts secrets in log fields and messages', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], (error, out) => (error ? reject(error) : resolve(out)));
    });
    const line = JSON.parse(stdout.trim()) as { command: string; nested: { url: string }; msg: string };
    expect(line.command).toBe('sshpass -p [REDACTED] ssh db-2');
    expect(line.nested.url).toBe('postgres://app:[REDACTED]@db/app');
    expect(line.msg).toBe('failed: curl -u ops:[REDACTED] https://x');
    expect(stdout).not.toMatch(/hunter22|w0rd|S3cr3tPass/);
  });
});
