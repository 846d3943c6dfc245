import { readAuditSource } from '../../audit/index.ts';
import { OCSF_VERSION, toOcsf } from '../../audit/index.ts';
import { upgradeEventLine } from '../../audit/index.ts';
import { CliError, codeOf } from '../cli-error.ts';
import { choiceFlag, parseCommandArgs, printUsage, requiredFlag } from '../command-args.ts';
import { packageVersion } from '../package-version.ts';

const HELP = `usage: gatehouse audit export --source file:PATH|kafka://HOST:PORT[,…] [--topic T]... [--format cloudevents|ocsf]

Writes the stored audit events to stdout, one JSON object a line:
  cloudevents   CloudEvents 1.0 JSON (the default). Events written since 0.2.0 are copied byte for
                byte; older ones get prevhash (was prevHash) and recordedtime (= time).
  ocsf          OCSF ${OCSF_VERSION} events (docs/audit.md "OCSF export"); the envelope and the Gatehouse
                data are kept under unmapped.
Exit 1 at the first stored record that is not a Gatehouse audit event, naming where it is.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    { source: { type: 'string' }, topic: { type: 'string', multiple: true }, format: { type: 'string', default: 'cloudevents' } },
    HELP,
  );
  if (values.help) return printUsage(HELP);
  const sourceSpec = requiredFlag(values.source, '--source', HELP);
  const format = choiceFlag(values.format, '--format', ['cloudevents', 'ocsf']);
  const version = packageVersion();
  for await (const record of readAuditSource(sourceSpec, { topics: values.topic })) {
    let out: string;
    try {
      const { event, line } = upgradeEventLine(record.line);
      out = format === 'ocsf' ? JSON.stringify(toOcsf(event, version)) : line;
    } catch (error) {
      throw new CliError(`${record.origin}: ${(error as Error).message}`, codeOf(error));
    }
    if (!process.stdout.write(`${out}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  return 0;
}
