// FOR DEMOS ONLY (see scripts/demo-oidc-issuer): one ES256 key kept in a local directory, the
// discovery document and JWKS served on loopback, and ID tokens minted for any subject and groups.
// Real deployments point `gatehouse serve --oidc-issuer` at their identity provider instead.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

const AUDIENCE = 'gatehouse';
const KID = 'demo-es256';

interface DemoState {
  issuer: string;
  privateJwk: JWK;
}

const [command, ...rest] = process.argv.slice(2);
const { values, positionals } = parseArgs({
  args: rest,
  options: {
    port: { type: 'string', default: '9900' },
    dir: { type: 'string', default: 'var/demo-oidc' },
    group: { type: 'string', multiple: true },
    ttl: { type: 'string', default: '600' },
  },
  allowPositionals: true,
});
const dir = resolve(values.dir);
const stateFile = join(dir, 'key.json');

if (command === 'serve') {
  const port = Number(values.port);
  const issuer = `http://127.0.0.1:${port}`;
  const state = await loadOrCreate(issuer);
  const { d: _private, ...publicJwk } = state.privateJwk;
  const server = createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ['ES256'] }
        : req.url === '/jwks'
          ? { keys: [{ ...publicJwk, kid: KID, alg: 'ES256', use: 'sig' }] }
          : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.listen(port, '127.0.0.1', () => process.stderr.write(`demo OIDC issuer ${issuer} (audience ${AUDIENCE}); FOR DEMOS ONLY\n`));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else if (command === 'token' && positionals.length === 1) {
  let state: DemoState;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as DemoState;
  } catch {
    fail(`no demo key in ${dir}: start 'scripts/demo-oidc-issuer serve' first`);
  }
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ groups: values.group ?? [] })
    .setProtectedHeader({ alg: 'ES256', kid: KID, typ: 'JWT' })
    .setIssuer(state.issuer)
    .setAudience(AUDIENCE)
    .setSubject(positionals[0]!)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + Number(values.ttl))
    .sign(await importJWK(state.privateJwk, 'ES256'));
  process.stdout.write(`${token}\n`);
} else {
  fail('usage: scripts/demo-oidc-issuer serve [--port 9900] | token SUBJECT [--group G]... [--ttl 600]');
}

async function loadOrCreate(issuer: string): Promise<DemoState> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as DemoState;
    if (state.issuer === issuer) return state;
  } catch {
    // first start: a new key below
  }
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const state: DemoState = { issuer, privateJwk: await exportJWK(privateKey) };
  await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
  return state;
}

function fail(message: string): never {
  process.stderr.write(`demo-oidc-issuer: ${message}\n`);
  process.exit(2);
}
