import type { Approval__Output } from '../../proto/generated/gatehouse/v1/Approval.ts';
import type { ApproveResponse__Output } from '../../proto/generated/gatehouse/v1/ApproveResponse.ts';
import type { ApprovalStatus } from '../../proto/generated/gatehouse/v1/ApprovalStatus.ts';
import type { DenyResponse__Output } from '../../proto/generated/gatehouse/v1/DenyResponse.ts';
import type { GetApprovalResponse__Output } from '../../proto/generated/gatehouse/v1/GetApprovalResponse.ts';
import type { ListApprovalsResponse__Output } from '../../proto/generated/gatehouse/v1/ListApprovalsResponse.ts';
import { CliError, UsageError } from '../cli-error.ts';
import { awaitApproval, CONNECTION_FLAGS, connect, durationSeconds, isoOf, parse, unary } from './token.ts';

const USAGE = `usage:
  gatehouse approvals list    --decision HOST:PORT [--status pending|approved|denied|expired|all] [--format text|json]
  gatehouse approvals show ID --decision HOST:PORT [--format text|json]
  gatehouse approvals approve ID --decision HOST:PORT [--comment TEXT] [--window 10m]
  gatehouse approvals deny ID    --decision HOST:PORT [--comment TEXT]
  gatehouse approvals wait ID    --decision HOST:PORT      (exit 0 approved, 1 denied or expired)

  The reviewer's OIDC token comes from GATEHOUSE_OIDC_TOKEN or --oidc-token-file F.
  --decision-ca F [--decision-cert F --decision-key F]   TLS (and mTLS) to the service
  --window D  approve requests with the same binding (subject, executor, action, resource, text) for D`;

const STATUS: Record<string, ApprovalStatus> = {
  pending: 'APPROVAL_STATUS_PENDING',
  approved: 'APPROVAL_STATUS_APPROVED',
  denied: 'APPROVAL_STATUS_DENIED',
  expired: 'APPROVAL_STATUS_EXPIRED',
  all: 'APPROVAL_STATUS_UNSPECIFIED',
};

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE + '\n');
    return sub === undefined ? 2 : 0;
  }
  const { values, positionals } = parse(rest, {
    ...CONNECTION_FLAGS,
    status: { type: 'string' },
    comment: { type: 'string' },
    window: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const id = positionals[0];
  if (sub !== 'list' && !id) throw new UsageError(`approvals ${sub}: the approval id is required`);
  if (positionals.length > (sub === 'list' ? 0 : 1)) throw new UsageError(`approvals ${sub}: unexpected argument '${positionals.at(-1)}'`);
  if (!['list', 'show', 'approve', 'deny', 'wait'].includes(sub)) throw new UsageError(`approvals: unknown subcommand '${sub}' (list, show, approve, deny, wait)`);
  const status = STATUS[values.status ?? 'pending'];
  if (!status) throw new UsageError('approvals list: --status must be pending, approved, denied, expired or all');
  const windowSeconds = values.window === undefined ? 0 : durationSeconds(values.window, '--window');
  const json = values.format === 'json';

  const connection = await connect(values);
  try {
    switch (sub) {
      case 'list': {
        const r = await unary<ListApprovalsResponse__Output>(connection, (c, m, o, done) => c.approvals.ListApprovals({ status, limit: 0 }, m, o, done));
        if (json) process.stdout.write(JSON.stringify(r.approvals.map(view)) + '\n');
        else if (r.approvals.length === 0) process.stderr.write('gatehouse: no approvals\n');
        else for (const a of r.approvals) process.stdout.write(summary(a) + '\n');
        return 0;
      }
      case 'show': {
        const r = await unary<GetApprovalResponse__Output>(connection, (c, m, o, done) => c.approvals.GetApproval({ approval_id: id! }, m, o, done));
        process.stdout.write(JSON.stringify(view(r.approval!), null, json ? undefined : 2) + '\n');
        return 0;
      }
      case 'approve': {
        const r = await unary<ApproveResponse__Output>(connection, (c, m, o, done) =>
          c.approvals.Approve({ approval_id: id!, comment: values.comment ?? '', window_seconds: windowSeconds }, m, o, done),
        );
        process.stderr.write(`gatehouse: approved ${id}${r.approval?.window_until ? ` (window until ${isoOf(r.approval.window_until)})` : ''}\n`);
        return 0;
      }
      case 'deny': {
        await unary<DenyResponse__Output>(connection, (c, m, o, done) => c.approvals.Deny({ approval_id: id!, comment: values.comment ?? '' }, m, o, done));
        process.stderr.write(`gatehouse: denied ${id}\n`);
        return 0;
      }
      default: {
        const last = await awaitApproval(connection, id!, (m) => process.stderr.write(`gatehouse: approval ${id} ${statusName(m.approval?.status)}\n`));
        if (!last?.final) throw new CliError(`approval ${id}: the stream ended before the approval resolved`);
        return last.approval?.status === 'APPROVAL_STATUS_APPROVED' ? 0 : 1;
      }
    }
  } finally {
    connection.close();
  }
}

function statusName(status: string | undefined): string {
  return (status ?? 'APPROVAL_STATUS_UNSPECIFIED').replace('APPROVAL_STATUS_', '').toLowerCase();
}

function summary(a: Approval__Output): string {
  const text = a.text.length > 80 ? `${a.text.slice(0, 77)}...` : a.text;
  const resource = a.resource ? `${a.resource.type}:${a.resource.id}` : '';
  return `${a.approval_id}  ${statusName(a.status).padEnd(8)}  ${a.subject}${a.executor ? ` (executor ${a.executor})` : ''}  ${a.action} ${resource}  ${JSON.stringify(text)}`;
}

function view(a: Approval__Output): Record<string, unknown> {
  return {
    approvalId: a.approval_id,
    kind: a.kind.replace('APPROVAL_KIND_', '').toLowerCase(),
    status: statusName(a.status),
    subject: a.subject,
    executor: a.executor,
    action: a.action,
    resource: a.resource ? `${a.resource.type}:${a.resource.id}` : '',
    text: a.text,
    reasons: a.reasons,
    requestedBy: a.requested_by,
    requestId: a.request_id,
    decisionId: a.decision_id,
    createdAt: isoOf(a.created_at),
    expiresAt: isoOf(a.expires_at),
    ...(a.resolved_at ? { resolvedAt: isoOf(a.resolved_at), reviewer: a.reviewer, comment: a.comment } : {}),
    ...(a.window_until ? { windowUntil: isoOf(a.window_until) } : {}),
    ...(a.resolution_reason ? { resolutionReason: a.resolution_reason } : {}),
  };
}
