/**
 * A decision service in the bench's own process, serving a one-file Rego policy with scoped tokens
 * and a file audit sink in a scratch directory: what the proxy benches put in front of their proxy.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { openFileAuditSink } from '../audit/file-audit-sink.ts';
import { buildBundle } from '../engine/bundle/build-bundle.ts';
import { MemoryStateStore } from '../engine/control/state/memory-state-store.ts';
import { openTokenAuthority, type TokenAuthority } from '../engine/control/tokens/token-authority.ts';
import { bundleFileSource } from '../engine/decision/bundle-source.ts';
import { startDecisionServer } from '../engine/server/decision-server.ts';
import { ServiceMetrics } from '../engine/server/service-metrics.ts';

export interface InProcessDecisionService {
  /** The scratch directory (policy, bundle, audit files); removed by close(). */
  work: string;
  address: string;
  authority: TokenAuthority;
  close(): Promise<void>;
}

/** `name` names the scratch directory and the policy; `rego` is the whole policy. */
export async function startInProcessDecisionService(name: string, rego: string): Promise<InProcessDecisionService> {
  const work = await mkdtemp(join(tmpdir(), `gatehouse-bench-${name}-`));
  const policyDir = join(work, 'policy');
  await mkdir(policyDir, { recursive: true });
  await writeFile(join(policyDir, 'policy.rego'), rego);
  await writeFile(join(policyDir, 'gatehouse.yaml'), `name: ${name}-bench\nengines: [rego]\n`);
  await buildBundle(policyDir, join(work, 'bundle.tar.gz'));
  const decisionAudit = await openFileAuditSink(join(work, 'decisions.jsonl'), { source: 'bench/serve', registry: new Registry() });
  const authority = await openTokenAuthority({ store: new MemoryStateStore() });
  const server = await startDecisionServer({
    bundleSource: bundleFileSource(join(work, 'bundle.tar.gz')),
    auditSink: decisionAudit,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics: new ServiceMetrics({ defaultMetrics: false }),
    tokenGate: authority.gate,
  });
  return {
    work,
    address: server.address,
    authority,
    async close() {
      await server.close();
      authority.close();
      await decisionAudit.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}
