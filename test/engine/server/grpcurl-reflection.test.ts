import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// grpcurl (built by scripts/install-grpcurl from its own sources) against a real `gatehouse serve`
// of the shipped policy: a client Gatehouse did not write, relying only on server reflection.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'gatehouse');

function grpcurlPath(): string {
  const path = process.env.GATEHOUSE_GRPCURL;
  if (!path) throw new Error('GATEHOUSE_GRPCURL is not set: the test setup runs scripts/install-grpcurl');
  return path;
}

let work: string;
let serve: ChildProcess;
let address: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gatehouse-grpcurl-'));
  serve = spawn(BIN, ['serve', '--bundle', join(ROOT, 'policy'), '--listen', '127.0.0.1:0', '--metrics', 'off', '--audit', `file:${join(work, 'audit.jsonl')}`], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  serve.stderr!.on('data', (chunk) => (stderr += chunk));
  address = await new Promise<string>((resolve, reject) => {
    createInterface({ input: serve.stdout! }).on('line', (line) => {
      const record = JSON.parse(line) as { msg?: string; address?: string };
      if (record.msg === 'decision service listening' && record.address) resolve(record.address);
    });
    serve.on('exit', (code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
  });
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve.on('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

function grpcurl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(grpcurlPath(), ['-plaintext', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** What each method is called with, and what its answer must show: the call reached the handler. */
const CALLS: Record<string, { request: object; answer: RegExp; extra?: string[] }> = {
  'gatehouse.v1.DecisionService/Decide': {
    request: { subject: { id: 'alice', groups: ['dev'] }, action: 'db.query', resource: { type: 'Database', id: 'orders' }, context: { sql: { text: 'SELECT 1' } } },
    answer: /"effect": "EFFECT_[A-Z_]+"[\s\S]*"policyRevision": "[0-9a-f]{64}"/,
  },
  'gatehouse.v1.DecisionService/DecideBatch': {
    request: { requests: [{ subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders' } }] },
    answer: /"responses": \[[\s\S]*"effect": "EFFECT_[A-Z_]+"/,
  },
  'gatehouse.v1.DecisionService/DecideStream': {
    request: { request: { subject: { id: 'alice' }, action: 'db.query', resource: { type: 'Database', id: 'orders' }, requestId: 'grpcurl-1' } },
    answer: /"requestId": "grpcurl-1"[\s\S]*"effect": "EFFECT_[A-Z_]+"|"effect": "EFFECT_[A-Z_]+"[\s\S]*"requestId": "grpcurl-1"/,
  },
  'gatehouse.v1.TokenService/GetJwks': { request: {}, answer: /"kty": "OKP"[\s\S]*"crv": "Ed25519"/ },
  // Without an OIDC credential the token and approval methods answer UNAUTHENTICATED: their
  // handlers decoded the request and ran.
  'gatehouse.v1.TokenService/IntrospectToken': { request: { token: 'x' }, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.TokenService/IssueToken': { request: {}, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.TokenService/RevokeToken': { request: {}, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.ApprovalService/Approve': { request: { approvalId: 'a-1' }, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.ApprovalService/Deny': { request: { approvalId: 'a-1' }, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.ApprovalService/GetApproval': { request: { approvalId: 'a-1' }, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.ApprovalService/ListApprovals': { request: {}, answer: /Code: Unauthenticated/ },
  'gatehouse.v1.ApprovalService/AwaitApproval': { request: {}, answer: /Code: InvalidArgument\s+Message: approval_id: required/ },
  'grpc.health.v1.Health/Check': { request: { service: 'gatehouse.v1.DecisionService' }, answer: /"status": "SERVING"/ },
  'grpc.health.v1.Health/List': { request: {}, answer: /"gatehouse.v1.DecisionService": \{\s*"status": "SERVING"/ },
  // Watch streams until the client leaves: grpcurl ends it with its own deadline after the first answer.
  'grpc.health.v1.Health/Watch': { request: { service: '' }, answer: /"status": "SERVING"/, extra: ['-max-time', '5'] },
  'grpc.reflection.v1.ServerReflection/ServerReflectionInfo': { request: { listServices: '' }, answer: /"listServicesResponse"[\s\S]*"gatehouse.v1.DecisionService"/ },
  'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo': { request: { listServices: '' }, answer: /"listServicesResponse"[\s\S]*"grpc.health.v1.Health"/ },
};

describe('grpcurl against gatehouse serve (server reflection)', () => {
  it('lists every service on the port', async () => {
    const listed = await grpcurl([address, 'list']);
    expect(listed.stderr).toBe('');
    expect(listed.stdout.trim().split('\n').sort()).toEqual([
      'gatehouse.v1.ApprovalService',
      'gatehouse.v1.DecisionService',
      'gatehouse.v1.TokenService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('describes every service, method and message type, and calls every method', async () => {
    const services = (await grpcurl([address, 'list'])).stdout.trim().split('\n');
    const called: string[] = [];
    for (const service of services) {
      const methods = await grpcurl([address, 'list', service]);
      expect(methods.stderr, service).toBe('');
      for (const method of methods.stdout.trim().split('\n')) {
        const described = await grpcurl([address, 'describe', method]);
        expect(described.stderr, method).toBe('');
        expect(described.stdout, method).toMatch(/ is a method:/);
        // The request and response types resolve, imports (Struct, Timestamp) included.
        for (const type of [...described.stdout.matchAll(/\( (?:stream )?\.([\w.]+) \)/g)].map((m) => m[1]!)) {
          const message = await grpcurl([address, 'describe', type]);
          expect(message.stderr, `${method}: ${type}`).toBe('');
          expect(message.stdout, `${method}: ${type}`).toMatch(/ is a message:/);
        }
        const path = method.replace(/\.([^.]+)$/, '/$1');
        const call = CALLS[path];
        expect(call, `no call planned for ${path}`).toBeDefined();
        const answer = await grpcurl([...(call!.extra ?? []), '-d', JSON.stringify(call!.request), address, path]);
        expect(`${answer.stdout}${answer.stderr}`, path).toMatch(call!.answer);
        expect(answer.stderr, path).not.toMatch(/cannot resolve|invalid map|Unimplemented|failed to/i);
        called.push(path);
      }
    }
    expect(called.sort()).toEqual(Object.keys(CALLS).sort());
  }, 300_000);

  it('describes the imported well-known types it serves', async () => {
    for (const type of ['google.protobuf.Timestamp', 'google.protobuf.Struct', 'grpc.health.v1.HealthCheckResponse']) {
      const message = await grpcurl([address, 'describe', type]);
      expect(message.stderr, type).toBe('');
      expect(message.stdout, type).toMatch(/ is a message:/);
    }
    const unknown = await grpcurl([address, 'describe', 'gatehouse.v1.NoSuchThing']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/Symbol not found|not found/);
  });
});
