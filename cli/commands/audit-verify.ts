import { parseArgs } from 'node:util';
import { readAuditSource } from '../../audit/audit-source-reader.ts';
import { verifyChain } from '../../audit/verify-chain.ts';
import { UsageError } from '../cli-error.ts';

const HELP = `usage: gatehouse audit verify --source file:PATH|kafka://HOST:PORT[,…] [--topic T]... [--format text|json]

Checks the prevHash chain of every event source in the stored audit events. Reports edited and
missing events by id. Exit 0 when every chain is intact, 1 when any is broken.`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        topic: { type: 'string', multiple: true },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!values.source) throw new UsageError(`--source is required\n${HELP}`);
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError('--format must be text or json');

  const report = await verifyChain(readAuditSource(values.source, { topics: values.topic }));
  if (values.format === 'json') {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const source of report.sources) {
      process.stdout.write(
        `${source.source}: ${source.events} events, sequence ${source.firstSequence}..${source.lastSequence}` +
          `${source.duplicates ? `, ${source.duplicates} duplicate deliveries` : ''}${source.chains > 1 ? `, ${source.chains} chains` : ''}\n`,
      );
    }
    for (const problem of report.problems) process.stdout.write(`${problem.kind}: ${problem.detail}\n`);
    process.stdout.write(
      report.ok
        ? `ok: ${report.records} records, ${report.sources.length} source(s), every chain intact\n`
        : `broken: ${report.problems.length} problem(s) in ${report.records} records\n`,
    );
  }
  return report.ok ? 0 : 1;
}
