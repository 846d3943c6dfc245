import { readAuditSource } from '../../audit/index.ts';
import { replayDecisions, type ReplayChange, type ReplayReport } from '../../audit/index.ts';
import { loadBundle } from '../../engine/testing/index.ts';
import { UsageError } from '../cli-error.ts';
import { choiceFlag, parseCommandArgs, printUsage, requiredFlag } from '../command-args.ts';

const HELP = `usage: gatehouse replay decisions --source file:PATH|kafka://HOST:PORT[,…] --bundle candidate.tar.gz
         [--since TIME] [--until TIME] [--topic T]... [--sample N] [--verification-key FILE] [--format text|json]

Re-evaluates every recorded decision (its recorded time, token facts and computed facts) against
the candidate bundle and reports how decisions would change. A record that cannot be re-evaluated
faithfully counts as changed. Exit 3 when any decision changed, 0 when none did.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      source: { type: 'string' },
      bundle: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      topic: { type: 'string', multiple: true },
      sample: { type: 'string', default: '20' },
      'verification-key': { type: 'string' },
      format: { type: 'string', default: 'text' },
    },
    HELP,
  );
  if (values.help) return printUsage(HELP);
  const source = requiredFlag(values.source, '--source', HELP);
  const bundlePath = requiredFlag(values.bundle, '--bundle', HELP);
  const format = choiceFlag(values.format, '--format', ['text', 'json']);
  const since = parseTime(values.since, '--since');
  const until = parseTime(values.until, '--until');
  const sampleSize = Number(values.sample);
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 0) throw new UsageError('--sample must be a non-negative integer');

  const bundle = await loadBundle(bundlePath, { verificationKey: values['verification-key'] });
  const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\rreplayed ${n} decisions`) : undefined;
  let report: ReplayReport;
  try {
    const records = readAuditSource(source, { topics: values.topic ?? ['gatehouse.decisions'] });
    report = await replayDecisions(records, bundle, { since, until, sampleSize, onProgress: progress });
  } finally {
    bundle.close();
    if (progress) process.stderr.write('\n');
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
  return report.changed > 0 ? 3 : 0;
}

function parseTime(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`${flag} must be an RFC 3339 time or a duration ago like 24h, not '${value}'`);
  return new Date(time);
}

function formatText(report: ReplayReport): string {
  const out: string[] = [];
  out.push(`candidate ${report.candidateRevision}: replayed ${report.replayed} decisions` + (report.duplicates ? ` (${report.duplicates} duplicate deliveries ignored)` : ''));
  out.push(`unchanged ${report.unchanged}, changed ${report.changed}` + (report.unfaithful ? ` (${report.unfaithful} could not be re-evaluated faithfully)` : ''));
  const transitions = Object.entries(report.transitions).sort((a, b) => b[1] - a[1]);
  if (transitions.length > 0) {
    out.push('', 'changes by effect (old→new):');
    for (const [key, count] of transitions) out.push(`  ${key.padEnd(34)} ${count}`);
  }
  const policies = Object.entries(report.policies).sort((a, b) => b[1] - a[1]);
  if (policies.length > 0) {
    out.push('', 'policies responsible:');
    for (const [policy, count] of policies) out.push(`  ${policy.padEnd(34)} ${count}`);
  }
  if (report.sample.length > 0) {
    out.push('', `sample of changed requests (${report.sample.length} of ${report.changed}):`);
    for (const change of report.sample) out.push(...describe(change));
  }
  const extraUnfaithful = report.unfaithfulRecords.filter((c) => !report.sample.includes(c));
  if (extraUnfaithful.length > 0) {
    out.push('', 'records that could not be re-evaluated faithfully:');
    for (const change of extraUnfaithful) out.push(...describe(change));
  }
  out.push('', report.changed > 0 ? `CHANGED: ${report.changed} decision(s) would differ` : 'no decision would change');
  return out.join('\n') + '\n';
}

function describe(change: ReplayChange): string[] {
  const lines = [
    `  ${change.time} event ${change.eventId} decision ${change.decisionId ?? '?'}: ${change.subject ?? '?'} ${change.action ?? '?'} ${change.resource ?? '?'}  ${change.oldEffect ?? '?'}→${change.newEffect ?? '?'}`,
  ];
  if (change.text) lines.push(`      text: ${change.text.length > 160 ? `${change.text.slice(0, 160)}…` : change.text}`);
  if (change.detail) lines.push(`      ${change.kind}: ${change.detail}`);
  for (const reason of change.newReasons.slice(0, 3)) lines.push(`      now: ${reason}`);
  return lines;
}
