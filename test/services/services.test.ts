import { readFile } from 'node:fs/promises';
import kafkajs from 'kafkajs';
import pg from 'pg';
import { Client as SshClient } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { need, services } from './services-env.ts';

describe('scripts/services', () => {
  it('up kafka starts a KRaft broker that kafkajs can produce to and consume from', async () => {
    const env = await services('up', ['kafka']);
    const broker = need(env, 'GATEHOUSE_KAFKA');
    expect(broker).toMatch(/^127\.0\.0\.1:\d+$/);
    const kafka = new kafkajs.Kafka({ clientId: 'services-test', brokers: [broker], logLevel: kafkajs.logLevel.NOTHING });
    const topic = `services-test-${Date.now()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'hello kafka' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const value = await new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    await consumer.disconnect();
    expect(value).toBe('hello kafka');
  });

  it('up postgres gives a superuser URL with scram-sha-256 password auth; a wrong password is refused', async () => {
    const env = await services('up', ['postgres']);
    const url = need(env, 'GATEHOUSE_PG_URL');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ superuser: boolean; method: string }>(
      "SELECT rolsuper AS superuser, current_setting('password_encryption') AS method FROM pg_roles WHERE rolname = current_user",
    );
    await client.end();
    expect(rows[0]).toEqual({ superuser: true, method: 'scram-sha-256' });
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const bad = new pg.Client({ connectionString: wrong.toString() });
    await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('up pgbouncer runs pgbouncer as a non-root user in session pooling in front of the test PostgreSQL', async () => {
    const env = await services('up', ['pgbouncer']);
    const url = new URL(need(env, 'GATEHOUSE_PGBOUNCER_URL'));
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).not.toBe(new URL(need(env, 'GATEHOUSE_PG_URL')).port);
    const pid = Number(/pid (\d+)/.exec((await services('status', ['pgbouncer'])).status!)![1]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]);
    expect(uid).not.toBe(0);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    // Session pooling: a session setting sticks to the client's server connection.
    await client.query("SET application_name = 'through-pgbouncer'");
    const { rows } = await client.query<{ name: string; port: string }>("SELECT current_setting('application_name') AS name, current_setting('port') AS port");
    await client.end();
    expect(rows[0]).toEqual({ name: 'through-pgbouncer', port: new URL(need(env, 'GATEHOUSE_PG_URL')).port });
  });

  it('up sshd accepts the client key for the test user and presents the host key in known_hosts', async () => {
    const env = await services('up', ['sshd']);
    const target = new URL(need(env, 'GATEHOUSE_SSH_TARGET'));
    const key = await readFile(need(env, 'GATEHOUSE_SSH_KEY'));
    const knownHosts = await readFile(need(env, 'GATEHOUSE_SSH_KNOWN_HOSTS'), 'utf8');
    const knownKey = Buffer.from(knownHosts.trim().split(/\s+/)[2]!, 'base64');
    expect(knownHosts.startsWith(`[127.0.0.1]:${target.port} ssh-ed25519 `)).toBe(true);
    const output = await new Promise<string>((resolve, reject) => {
      const client = new SshClient();
      client
        .on('ready', () =>
          client.exec('id -un', (error, stream) => {
            if (error) return reject(error);
            let out = '';
            stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
            stream.on('close', () => {
              client.end();
              resolve(out.trim());
            });
          }),
        )
        .on('error', reject)
        .connect({
          host: target.hostname,
          port: Number(target.port),
          username: target.username,
          privateKey: key,
          hostVerifier: (presented: Buffer) => presented.equals(knownKey),
        });
    });
    expect(output).toBe(target.username);
  });

  it('up again is harmless and keeps every port; status reports each service up', async () => {
    const first = await services('up', ['kafka', 'postgres', 'sshd']);
    const again = await services('up', ['kafka', 'postgres', 'sshd']);
    expect(again).toEqual(first);
    const { status } = await services('status', []);
    expect(status).toMatch(/^kafka\s+up/m);
    expect(status).toMatch(/^postgres\s+up/m);
    expect(status).toMatch(/^sshd\s+up/m);
  });

  it('an unknown service name fails naming it', async () => {
    await expect(services('up', ['nosuch' as 'kafka'])).rejects.toThrow(/nosuch: unknown service/);
  });
});
