import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { AuditEventDraft } from '../../audit/audit-event.ts';
import { AuditUnavailableError } from '../../audit/audit-sink.ts';
import { ForwardingAuditSink, type PrimaryChannel } from '../../cli/serve-workers/forwarding-audit-sink.ts';
import type { AuditAppendRequest } from '../../cli/serve-workers/worker-messages.ts';

/** The worker's IPC end, with what it sent kept for the test to answer as the primary would. */
class FakeChannel extends EventEmitter implements PrimaryChannel {
  connected = true;
  readonly sent: AuditAppendRequest[] = [];
  send(message: unknown, _handle: undefined, _options: undefined, callback: (error: Error | null) => void): boolean {
    this.sent.push(message as AuditAppendRequest);
    callback(null);
    return true;
  }
  disconnect(): void {
    this.connected = false;
    this.emit('disconnect');
  }
}

const draft: AuditEventDraft = { type: 'gatehouse.decision.v1', subject: 'session-1', data: { effect: 'allow', reasons: [] } };
const envelope = {
  specversion: '1.0' as const,
  id: 'e-1',
  source: 'gatehouse://test/serve',
  type: 'gatehouse.decision.v1' as const,
  time: '2026-12-03T11:00:00.000Z',
  subject: 'session-1',
  datacontenttype: 'application/json' as const,
  sequence: '7',
  prevhash: 'a'.repeat(64),
  recordedtime: '2026-12-03T11:00:00.001Z',
};

describe('ForwardingAuditSink (a serve worker appending through the primary)', () => {
  it('resolves with the event the primary wrote, its data the draft the worker sent', async () => {
    const channel = new FakeChannel();
    const sink = new ForwardingAuditSink(channel);
    const appended = sink.append(draft);
    expect(channel.sent).toEqual([{ type: 'gatehouse:audit-append', id: 1, draft }]);
    channel.emit('message', { type: 'gatehouse:audit-result', id: 1, envelope });
    expect(await appended).toEqual({ ...envelope, data: draft.data });
  });

  it('rejects with AuditUnavailableError when the primary could not write the event', async () => {
    const channel = new FakeChannel();
    const sink = new ForwardingAuditSink(channel);
    const appended = sink.append(draft);
    channel.emit('message', { type: 'gatehouse:audit-result', id: 1, error: 'journal full' });
    await expect(appended).rejects.toThrow(AuditUnavailableError);
    await expect(appended).rejects.toThrow(/journal full/);
  });

  it('fails closed when the primary is gone: pending and later appends reject, none waits', async () => {
    const channel = new FakeChannel();
    const sink = new ForwardingAuditSink(channel);
    const pending = sink.append(draft);
    channel.disconnect();
    await expect(pending).rejects.toThrow(/primary process is gone/);
    await expect(sink.append(draft)).rejects.toThrow(AuditUnavailableError);
    expect(channel.sent).toHaveLength(1);
  });

  it('ignores answers that are not its own (other ids, prom-client messages)', async () => {
    const channel = new FakeChannel();
    const sink = new ForwardingAuditSink(channel);
    const appended = sink.append(draft);
    channel.emit('message', { type: 'prom-client:getMetricsReq', requestId: 1 });
    channel.emit('message', { type: 'gatehouse:audit-result', id: 99, envelope });
    channel.emit('message', { type: 'gatehouse:audit-result', id: 1, envelope });
    expect((await appended).id).toBe('e-1');
  });
});
