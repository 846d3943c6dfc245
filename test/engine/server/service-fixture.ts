import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { openFileAuditSink } from '../../../audit/file-audit-sink.ts';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import type { DecideRequest } from '../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import type { DecideResponse__Output } from '../../../proto/generated/gatehouse/v1/DecideResponse.ts';
import type { DecisionServiceClient } from '../../../proto/generated/gatehouse/v1/DecisionService.ts';
import { bundleFileSource } from '../../../engine/decision/bundle-source.ts';
import { startDecisionServer, type DecisionServerOptions, type RunningDecisionServer } from '../../../engine/server/decision-server.ts';
import { loadGatehouseProtos } from '../../../proto/gatehouse-protos.ts';
import { ServiceMetrics } from '../../../engine/server/service-metrics.ts';
import { jsonToStruct } from '../../../proto/struct-json.ts';
import type { JsonObject } from '../../../engine/model/index.ts';

/**
 * A small but complete policy directory: Rego guardrails (allow with a mask on dev, approval on
 * prod, deny for drop, undefined for anything else) and Cedar RBAC (dba permit, a forbid on the
 * secrets database), plus one decision test that the bundle runs on load.
 */
export const BASE_POLICY: Record<string, string> = {
  'gatehouse.yaml': 'name: service-fixture\nengines: [rego, cedar]\n',
  'policy.rego': `package gatehouse

decision := {"effect": "allow", "reasons": ["dev reads"], "obligations": {"mask": ["email"]}} if {
	input.action == "db.query"
	input.resource.attributes.env == "dev"
}

decision := {"effect": "require_approval", "reasons": ["prod queries need approval"], "obligations": {}} if {
	input.action == "db.query"
	input.resource.attributes.env == "prod"
}

decision := {"effect": "deny", "reasons": ["drop is never allowed"], "obligations": {}} if {
	input.action == "db.drop"
}
`,
  'policy.cedar': `@id("dba-permit")
permit(principal in Group::"dba", action, resource);

@id("no-secrets")
@reason("the secrets database is off limits")
forbid(principal, action, resource == Database::"secrets");
`,
  'tests/basic.yaml': `now: "2026-11-25T10:00:00Z"
fixtures:
  subjects:
    alice: { id: alice, groups: [dba] }
cases:
  - name: a dev read by a dba is allowed with email masked
    subject: alice
    action: db.query
    resource: { type: Database, id: orders, attributes: { env: dev } }
    context: { sql: { text: "SELECT id, email FROM orders" } }
    expect: { effect: allow, obligations: { mask: [email] } }
`,
};

export function writePolicyDir(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Builds `files` with the real opa toolchain into `out` and returns its revision. */
export async function buildFixtureBundle(workDir: string, name: string, files: Record<string, string>, out: string, signingKey?: string): Promise<string> {
  const dir = writePolicyDir(join(workDir, name), files);
  const built = await buildBundle(dir, out, signingKey ? { signingKey } : {});
  return built.revision;
}

export function writeEd25519KeyPair(dir: string, name: string): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('ed25519');
  const privateKey = join(dir, `${name}.key.pem`);
  const publicKey = join(dir, `${name}.pub.pem`);
  writeFileSync(privateKey, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicKey, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey };
}

export interface TestServer {
  server: RunningDecisionServer;
  auditPath: string;
  client: DecisionServiceClient;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 port 0 with a file audit sink, and a plaintext client for it. */
export async function startTestServer(
  workDir: string,
  bundlePath: string,
  options: Partial<DecisionServerOptions> & { verificationKey?: string; auditPath?: string; auditSinkRequired?: boolean } = {},
): Promise<TestServer> {
  const { verificationKey, auditPath: chosenAuditPath, auditSinkRequired, ...serverOptions } = options;
  const metrics = new ServiceMetrics({ defaultMetrics: false });
  const auditPath = chosenAuditPath ?? join(workDir, `audit-${Math.random().toString(36).slice(2)}.jsonl`);
  const auditSink = await openFileAuditSink(auditPath, {
    source: 'gatehouse://test/serve',
    registry: metrics.registry,
    required: auditSinkRequired ?? true,
  });
  const server = await startDecisionServer({
    bundleSource: bundleFileSource(bundlePath, { verificationKey }),
    auditSink,
    listen: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
    metrics,
    ...serverOptions,
  });
  const client = decisionClient(server.address);
  return {
    server,
    auditPath,
    client,
    close: async () => {
      client.close();
      await server.close();
    },
  };
}

export function decisionClient(address: string, credentials = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}): DecisionServiceClient {
  const Client = loadGatehouseProtos().services.DecisionService;
  return new Client(address, credentials, options);
}

export function decide(client: DecisionServiceClient, request: DecideRequest, options: grpc.CallOptions = {}): Promise<DecideResponse__Output> {
  return new Promise((resolve, reject) => {
    client.Decide(request, new grpc.Metadata(), options, (error, response) => (error || !response ? reject(error) : resolve(response)));
  });
}

export function query(env: string, over: Partial<DecideRequest> = {}, text = 'SELECT id, email FROM orders'): DecideRequest {
  return {
    subject: { id: 'alice', groups: ['dba'] },
    action: 'db.query',
    resource: { type: 'Database', id: 'orders', attributes: jsonToStruct({ env }) },
    context: jsonToStruct({ sql: { text } } as JsonObject),
    ...over,
  };
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
export function writeTlsFiles(dir: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const path = (name: string) => join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=gatehouse-test-ca']);
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=gatehouse-test-${who}`]);
    const ext = who === 'server' ? ['-extfile', 'server.ext'] : [];
    openssl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', ...ext]);
  }
  return { ca: path('ca.pem'), serverCert: path('server.pem'), serverKey: path('server.key'), clientCert: path('client.pem'), clientKey: path('client.key') };
}
