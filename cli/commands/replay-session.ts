import { readAuditSource } from '../../audit/index.ts';
import { sessionEvents, describeEvent } from '../../audit/index.ts';
import { renderAsciicast } from '../../dataplane/ssh/index.ts';
import { CliError } from '../cli-error.ts';
import { choiceFlag, parseCommandArgs, printUsage, requiredFlag, usageError } from '../command-args.ts';

const HELP = `usage: gatehouse replay session <session-id> --source file:PATH|kafka://HOST:PORT[,…] [--source …] [--format text|json|asciicast]

Prints one session's audit events (decisions, tokens, approvals, the proxies' session events) in
order. Repeat --source to join several audit files (e.g. the service's and a proxy's).
--format asciicast writes the session's terminal output as an asciicast v2 recording.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { source: { type: 'string', multiple: true }, format: { type: 'string', default: 'text' }, topic: { type: 'string', multiple: true } },
    HELP,
    true,
  );
  if (values.help) return printUsage(HELP);
  if (positionals.length !== 1) throw usageError('give exactly one session id', HELP);
  const sources = requiredFlag(values.source, '--source', HELP);
  const format = choiceFlag(values.format, '--format', ['text', 'json', 'asciicast']);
  const topics = values.topic;
  async function* readAll() {
    for (const source of sources) yield* readAuditSource(source, { topics });
  }
  const events = await sessionEvents(readAll(), positionals[0]!);
  if (events.length === 0) throw new CliError(`no events for session ${positionals[0]} in ${sources.join(', ')}`);
  if (format === 'json') for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
  else if (format === 'asciicast') {
    // Only terminal sessions (the SSH proxy's) have a screen to replay; its recorder keeps its
    // own frame clock and channels, and its renderer knows them.
    const ssh = events.some((event) => event.type === 'gatehouse.session.v1' && event.data.protocol === 'ssh');
    if (!ssh) throw new CliError(`session ${positionals[0]} has no terminal recording (asciicast is for SSH sessions); use --format text`);
    process.stdout.write(renderAsciicast(events));
  }
  else for (const event of events) process.stdout.write(`${describeEvent(event)}\n`);
  return 0;
}
