import type { DecisionInput } from '../engine/model/index.ts';

/**
 * A small, representative mix of requests for the example policy: SQL reads and writes on a
 * production and a staging database, and shell commands on a host. The same mix is used
 * in-process, over gRPC and against the `opa` server, so the rows of a table compare alike.
 */
export const BENCH_REQUESTS: Omit<DecisionInput, 'time'>[] = [
  {
    subject: { id: 'planner-1', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'prod', owner: 'dba' } },
    context: { sql: { text: 'SELECT id, email FROM users WHERE id = 42' } },
  },
  {
    subject: { id: 'planner-2', groups: ['analysts'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'staging', owner: 'dba' } },
    context: { sql: { text: "UPDATE orders SET status = 'shipped' WHERE id = 7" } },
  },
  {
    subject: { id: 'planner-1', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: { env: 'prod', owner: 'dba' } },
    context: { sql: { text: 'DROP TABLE users' } },
  },
  {
    subject: { id: 'operator-1', groups: ['sre'] },
    action: 'ssh.exec',
    resource: { type: 'Host', id: 'web-1', attributes: { env: 'prod', owner: 'sre' } },
    context: { command: { text: 'uname -a && uptime' } },
  },
];
