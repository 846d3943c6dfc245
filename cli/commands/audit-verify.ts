import { readAuditSource } from '../../audit/index.ts';
import { verifyChain } from '../../audit/index.ts';
import { choiceFlag, parseCommandArgs, printUsage, requiredFlag } from '../command-args.ts';

const HELP = `usage: gatehouse audit verify --source file:PATH|kafka://HOST:PORT[,…] [--topic T]... [--format text|json]

Checks the prevhash chain of every event source in the stored audit events. Reports edited,
missing and inserted events by id, and a second chain (second genesis) or a sequence reset under
one source. Exit 0 when every chain is intact, 1 when any is broken. A source has one chain: an
instance that must start afresh is given a new source name (--audit-source).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { source: { type: 'string' }, topic: { type: 'string', multiple: true }, format: { type: 'string', default: 'text' } },
    HELP,
  );
  if (values.help) return printUsage(HELP);
  const sourceSpec = requiredFlag(values.source, '--source', HELP);
  const format = choiceFlag(values.format, '--format', ['text', 'json']);

  const report = await verifyChain(readAuditSource(sourceSpec, { topics: values.topic }));
  if (format === 'json') {
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
