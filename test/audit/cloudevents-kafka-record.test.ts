import { describe, expect, it } from 'vitest';
import { binaryRecord, lineFromBinaryRecord } from '../../audit/cloudevents-kafka-record.ts';
import { chainEvent, GENESIS_STATE } from '../../audit/hash-chain.ts';
import { parseKafkaSpec } from '../../audit/kafka-spec.ts';

function eventLine(data: Record<string, unknown>, subject = 's-1'): string {
  return chainEvent(
    { id: 'e-1', time: '2026-11-25T10:00:00.000Z', recordedtime: '2026-11-25T10:00:00.004Z', draft: { type: 'gatehouse.decision.v1', subject, data: data as never } },
    'gatehouse://host/serve',
    GENESIS_STATE,
  ).line;
}

describe('CloudEvents Kafka binary content mode', () => {
  it('the value is the data bytes, the attributes are ce_ headers, and the line rebuilds byte for byte', () => {
    // Strings that look like the envelope inside data and subject must not confuse the split.
    const line = eventLine({ text: 'x ,"data": {"y": 1}', nested: { data: [1, 2] }, quote: '"\\' }, 'sess "a",\u00e9');
    const record = binaryRecord(line)!;
    expect(record.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'e-1',
      ce_source: 'gatehouse://host/serve',
      ce_type: 'gatehouse.decision.v1',
      ce_time: '2026-11-25T10:00:00.000Z',
      ce_subject: 'sess "a",\u00e9',
      'content-type': 'application/json',
      ce_sequence: '1',
      ce_prevhash: '0'.repeat(64),
      ce_recordedtime: '2026-11-25T10:00:00.004Z',
    });
    expect(JSON.parse(record.value)).toEqual({ text: 'x ,"data": {"y": 1}', nested: { data: [1, 2] }, quote: '"\\' });
    expect(lineFromBinaryRecord(record.headers, record.value)).toBe(line);
  });

  it('a line that is not a current-envelope event stays structured (no binary record)', () => {
    expect(binaryRecord('not json')).toBeUndefined();
    expect(binaryRecord('{"specversion":"1.0","id":"x","prevHash":"0","data":{}}')).toBeUndefined();
    const line = eventLine({});
    expect(binaryRecord(line.replace('"sequence":"1",', ''))).toBeUndefined();
  });

  it('a record without ce_ headers, or missing one, is not rebuilt', () => {
    expect(lineFromBinaryRecord({ 'content-type': 'application/cloudevents+json' }, '{}')).toBeUndefined();
    const record = binaryRecord(eventLine({}))!;
    const { ce_recordedtime: _dropped, ...partial } = record.headers;
    expect(lineFromBinaryRecord(partial, record.value)).toBeUndefined();
  });

  it('kafka://…?cloudevents= takes structured (default) or binary, and refuses anything else', () => {
    expect(parseKafkaSpec('kafka://127.0.0.1:9092').contentMode).toBe('structured');
    expect(parseKafkaSpec('kafka://127.0.0.1:9092?cloudevents=binary').contentMode).toBe('binary');
    expect(() => parseKafkaSpec('kafka://127.0.0.1:9092?cloudevents=Binary')).toThrow(/cloudevents must be structured or binary, not 'Binary'/);
  });
});
