import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../../engine/bundle/build-bundle.ts';
import { initFactExtractors } from '../../../engine/evaluation/facts/compute-facts.ts';
import { jsonToStruct } from '../../../proto/struct-json.ts';
import type { JsonObject } from '../../../engine/model/index.ts';
import type { DecideRequest } from '../../../proto/generated/gatehouse/v1/DecideRequest.ts';
import { checkFlags, readFlags } from '../../../cli/commands/serve.ts';
import { decide, startTestServer, type TestServer } from './service-fixture.ts';

// The shipped policy allows a read-only command like `uptime` on a prod host for planner-web;
// the question is whose facts say the command is `uptime`.

let work: string;
let strict: TestServer;
let trusting: TestServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'gh-caller-facts-'));
  const bundle = join(work, 'bundle.tar.gz');
  await buildBundle(resolve(import.meta.dirname, '../../../policy'), bundle);
  await initFactExtractors();
  strict = await startTestServer(work, bundle);
  trusting = await startTestServer(work, bundle, { trustCallerFacts: true });
});
afterAll(async () => {
  await strict?.close();
  await trusting?.close();
  rmSync(work, { recursive: true, force: true });
});

function exec(command: JsonObject, requestId: string): DecideRequest {
  return {
    action: 'ssh.exec',
    resource: { type: 'Host', id: 'web-1', attributes: jsonToStruct({ env: 'prod' }) },
    subject: { id: 'planner-web', type: 'User', groups: ['web'], claims: jsonToStruct({}) },
    context: jsonToStruct({ command }),
    request_id: requestId,
  };
}

describe('facts a caller sends without text', () => {
  const claimed = { commands: [{ argv: ['uptime'], name: 'uptime', dynamic: false }] };

  it('are dropped by default, and the reasons say so', async () => {
    const answer = await decide(strict.client, exec(claimed, 'facts-1'));
    expect(answer.effect).not.toBe('EFFECT_ALLOW');
    expect(answer.reasons.join('\n')).toContain('facts:untrusted: context.command.commands sent without context.command.text was dropped');
  });

  it('do not change a request that carries text: the engine computes the facts from it', async () => {
    const answer = await decide(strict.client, exec({ text: 'uptime', commands: [{ argv: ['rm', '-rf', '/'], name: 'rm', dynamic: false }] }, 'facts-2'));
    expect(answer.effect).toBe('EFFECT_ALLOW');
    expect(answer.reasons.join('\n')).not.toContain('facts:untrusted');
  });

  it('are evaluated as given with --trust-caller-facts', async () => {
    const answer = await decide(trusting.client, exec(claimed, 'facts-3'));
    expect(answer.effect).toBe('EFFECT_ALLOW');
    expect(answer.reasons.join('\n')).not.toContain('facts:untrusted');
  });
});

describe('serve --trust-caller-facts', () => {
  it('is off unless given; the switch or GATEHOUSE_TRUST_CALLER_FACTS=true turns it on', () => {
    expect(checkFlags(readFlags([], {})).trustCallerFacts).toBe(false);
    expect(checkFlags(readFlags(['--trust-caller-facts'], {})).trustCallerFacts).toBe(true);
    expect(checkFlags(readFlags([], { GATEHOUSE_TRUST_CALLER_FACTS: 'true' })).trustCallerFacts).toBe(true);
    expect(() => readFlags([], { GATEHOUSE_TRUST_CALLER_FACTS: 'yes' })).toThrow(/GATEHOUSE_TRUST_CALLER_FACTS must be true or false/);
  });
});
