import ssh2 from 'ssh2';
import type { SshLog } from './channel-context.ts';
import { SshConnection, type SshProxyOptions } from './ssh-connection.ts';

export interface RunningSshProxy {
  address: { host: string; port: number };
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts `gatehouse proxy ssh`: an ssh2 Server with the proxy's host key whose every
 * connection is an SshConnection (token login, decided commands, recorded session).
 */
export async function startSshProxy(
  options: SshProxyOptions & { listen: { host: string; port: number }; hostKey: Buffer },
  log: SshLog,
): Promise<RunningSshProxy> {
  const connections = new Set<SshConnection>();
  const server = new ssh2.Server({ hostKeys: [options.hostKey], ident: 'Gatehouse' }, (client, info) => {
    const connection = new SshConnection(client, info, options, log);
    connections.add(connection);
    client.on('close', () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) => log('warn', 'ssh proxy listener error', { error: error.message }));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.listen.port;
  log('info', 'ssh proxy listening', { host: options.listen.host, port, resource: options.resource.id });
  return {
    address: { host: options.listen.host, port },
    get connections() {
      return connections.size;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of connections) connection.shutdown();
      });
    },
  };
}
