import { type Agent, request } from 'node:http';

/** One decision from `opa run --server` over REST (`POST /v1/data/gatehouse/decision`); rejects on any status but 200. */
export function opaRestDecide(agent: Agent, host: string, port: number, input: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ input });
    const req = request(
      { host, port, path: '/v1/data/gatehouse/decision', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`opa answered ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
