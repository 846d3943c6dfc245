import { describe, expect, it } from 'vitest';
import { maintainedRuleIds } from '../../audit/maintained-secret-rules.ts';
import { REDACTED, assertSecretRulesLoaded, redactArgv, redactText } from '../../audit/redact-secrets.ts';

// Secret shapes are assembled from parts, so this file itself holds no string a scanner flags.
const alnum = (n: number, seed = 7): string => {
  const chars = 'aB3dE5gH7jK9mN1pQ2sT4vW6yZ8cF0xR';
  let out = '';
  for (let i = 0; i < n; i++) out += chars[(i * seed + 3) % chars.length];
  return out;
};
const pem = (kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${alnum(64)}\n${alnum(64, 11)}\n${alnum(20, 13)}==\n-----END ${kind}PRIVATE KEY-----`;

/** [command or statement, the secret that must not survive]. */
const SECRETS: [string, string][] = [
  [`export AWS_SECRET_ACCESS_KEY=${alnum(40)}`, alnum(40)],
  [`aws configure set aws_access_key_id AKIA${'QYLPMN5HAB3WXZ7E'}`, `AKIA${'QYLPMN5HAB3WXZ7E'}`],
  [`sshpass -p 'Tr0ub4dor&3' ssh admin@web-1 uptime`, 'Tr0ub4dor&3'],
  [`sshpass -p hunter22 ssh root@db-2`, 'hunter22'],
  [`curl -u deploy:S3cr3tPass https://ci.example.com/api`, 'S3cr3tPass'],
  [`curl --user 'ops:p@ss/w0rd' https://example.com`, 'p@ss/w0rd'],
  [`psql postgres://app:pa/ss@w0rd@db.example.com:5432/app`, 'pa/ss@w0rd'],
  [`git clone https://bob:gh-pass-99@git.example.com/repo.git`, 'gh-pass-99'],
  [`redis-cli -u redis://default:r3d1s-secret@cache:6379`, 'r3d1s-secret'],
  [`vault login --token s.${alnum(24)}`, alnum(24)],
  [`deploy --token=${alnum(30, 5)}`, alnum(30, 5)],
  [`heroku auth --api-key ${alnum(32, 3)}`, alnum(32, 3)],
  [`tool --client-secret ${alnum(28, 9)}`, alnum(28, 9)],
  [`cli --access-key ${alnum(20, 17)} run`, alnum(20, 17)],
  [`curl -H 'Authorization: Bearer ${alnum(36)}' https://api.example.com`, alnum(36)],
  [`curl -H "Authorization: Basic ${alnum(24, 19)}" https://api.example.com`, alnum(24, 19)],
  [`curl -H 'X-Api-Key: ${alnum(32, 21)}' https://api.example.com`, alnum(32, 21)],
  [`curl -H 'X-Auth-Token: ${alnum(26, 23)}' https://api.example.com`, alnum(26, 23)],
  [`curl -H 'Proxy-Authorization: Basic ${alnum(20, 25)}' http://proxy`, alnum(20, 25)],
  [`echo ${'ghp_'}${alnum(36)} | gh auth login --with-token`, `${'ghp_'}${alnum(36)}`],
  [`GITHUB_TOKEN=${'github_pat_'}${alnum(82)} make release`, `${'github_pat_'}${alnum(82)}`],
  [`npm config set //registry.npmjs.org/:_authToken ${'npm_'}${alnum(36, 29)}`, `${'npm_'}${alnum(36, 29)}`],
  [`post ${'xoxb-'}1234567890-1234567890123-${alnum(24)}`, alnum(24)],
  [`stripe login --api-key ${'sk_live_'}${alnum(24, 31)}`, `${'sk_live_'}${alnum(24, 31)}`],
  [`echo ${'sk_live_'}${alnum(24, 31)} > key.txt`, `${'sk_live_'}${alnum(24, 31)}`],
  [`git push https://oauth2:${'glpat-'}${alnum(20)}@gitlab.example.com/x.git`, `${'glpat-'}${alnum(20)}`],
  [`echo ${'glpat-'}${alnum(20, 3)}`, `${'glpat-'}${alnum(20, 3)}`],
  [`cat > id_rsa <<'EOF'\n${pem('RSA ')}\nEOF`, alnum(64)],
  [`printf '%s' "${pem('')}"`, alnum(64)],
  [`echo "${pem('OPENSSH ')}" > k`, alnum(64)],
  [`echo "${pem('EC ')}" > k`, alnum(64)],
  [`DB_PASS=${'Summer2024!'} ./migrate`, 'Summer2024!'],
  [`MYSQL_PWD=${'mysqlpw77'} mysql -h db`, 'mysqlpw77'],
  [`export PGPASSWORD='${'pgpass-321'}'`, 'pgpass-321'],
  [`STRIPE_KEY=${alnum(24, 5)} node app.js`, alnum(24, 5)],
  [`API_TOKEN="${alnum(20, 9)}" ./run`, alnum(20, 9)],
  [`CLIENT_SECRET=${alnum(22, 11)} start`, alnum(22, 11)],
  [`AUTH=${alnum(18, 13)} curl x`, alnum(18, 13)],
  [`mysql -u root -p${'Passw0rd'} shop`, 'Passw0rd'],
  [`pg_dump --password=${'dumpme42'} app`, 'dumpme42'],
  [`ALTER ROLE app PASSWORD '${'n3w-p4ss'}'`, 'n3w-p4ss'],
  [`CREATE USER bob WITH PASSWORD E'${'b0b\\\\x'}'`, 'b0b'],
  [`SELECT set_config('app.token', 'x', false) -- token=${alnum(16, 3)}`, alnum(16, 3)],
  [`curl -H "Authorization: Bearer ${'eyJ'}hbGciOiJIUzI1NiJ9.${'eyJ'}zdWIiOiIxIn0.${alnum(43)}"`, alnum(43)],
  [`wget --password ${'wgetpw'} http://x`, 'wgetpw'],
  [`docker login -u ci --password ${'dockerpw1'} registry`, 'dockerpw1'],
  [`mysqladmin -uroot -p'${'azpw-77'}' status`, 'azpw-77'],
  [`mongosh mongodb://admin:${'m0ng0@pw'}@mongo:27017/admin`, 'm0ng0@pw'],
];

/** Commands and statements that look like the above but hold no secret. */
const LOOK_ALIKES: string[] = [
  'SELECT abalance FROM pgbench_accounts WHERE aid = 7',
  'SELECT password_changed_at FROM users WHERE id = 3',
  "SELECT * FROM api_keys WHERE owner = 'ops'",
  'SELECT key, value FROM settings ORDER BY key',
  "UPDATE users SET last_login = now() WHERE name = 'token'",
  'CREATE TABLE tokens (id bigint primary key, issued_at timestamptz)',
  'CREATE INDEX ON secrets_meta (created_at)',
  'ALTER TABLE t ADD COLUMN password_hash text',
  'ssh -p 2222 admin@web-1 uptime',
  'ssh -i ~/.ssh/id_ed25519 web-1',
  'ls -la /etc/ssl/private',
  'cat /etc/passwd | wc -l',
  'grep -r "password" /etc/app/README',
  'git log --oneline -n 5',
  'curl -sS https://example.com/health',
  'curl -u deploy https://ci.example.com/api',
  'curl https://example.com/path/@user/profile',
  'curl -H "Accept: application/json" https://api.example.com',
  'curl -H "Content-Type: text/plain" -d @body.txt https://api.example.com',
  'psql postgres://db.example.com:5432/app',
  'psql -h db -U app -d shop',
  'git clone https://git.example.com/team/repo.git',
  'export PATH=/usr/local/bin:$PATH',
  'MONKEY=banana ./zoo',
  'BYPASS=1 make test',
  'export KEYBOARD=us',
  'PASSES=3 ./retry',
  'tool --token-file /run/secrets/token',
  'tool --keyfile /etc/app/key.pem',
  'kubectl get secrets -n prod',
  'vault kv list secret/',
  'systemctl status sshd',
  'echo "-----BEGIN CERTIFICATE-----"',
  'openssl x509 -in cert.pem -noout -text',
  'df -h; uptime && free -m',
  'journalctl -u nginx --since today',
  'echo ghp_short',
  'echo AKIA is a prefix',
  'python3 -m http.server 8080',
  'find /var/log -name "*.gz" -mtime +7 -delete',
  'tar -czf backup.tar.gz /srv/data',
  'rsync -avz ./site/ web-1:/var/www/',
  'SELECT 1',
  'ping -c 3 10.0.0.1',
];

describe('redaction corpus', () => {
  it('has at least 40 secret shapes and 40 look-alikes, and the maintained rules are loaded', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(40);
    expect(LOOK_ALIKES.length).toBeGreaterThanOrEqual(40);
    expect(() => assertSecretRulesLoaded()).not.toThrow();
    expect(maintainedRuleIds()).toEqual(expect.arrayContaining(['@secretlint/secretlint-rule-aws', '@secretlint/secretlint-rule-github', '@secretlint/secretlint-rule-privatekey']));
  });

  it.each(SECRETS.map(([text, secret], i) => [i, text, secret] as const))('secret %i is redacted', (_i, text, secret) => {
    const redacted = redactText(text);
    expect(redacted).toContain(REDACTED);
    expect(redacted).not.toContain(secret);
  });

  it.each(LOOK_ALIKES.map((text, i) => [i, text] as const))('look-alike %i is kept', (_i, text) => {
    expect(redactText(text)).toBe(text);
  });

  it('redacts the same secrets in argv form (the SSH proxy records argv)', () => {
    expect(redactArgv(['sshpass', '-p', 'hunter22', 'ssh', 'db-2'])).toEqual(['sshpass', '-p', REDACTED, 'ssh', 'db-2']);
    expect(redactArgv(['curl', '-u', 'deploy:S3cr3tPass', 'https://x'])).toEqual(['curl', '-u', `deploy:${REDACTED}`, 'https://x']);
    expect(redactArgv(['vault', 'login', '--token', 'abc123'])).toEqual(['vault', 'login', '--token', REDACTED]);
    expect(redactArgv(['ssh', '-p', '2222', 'web-1'])).toEqual(['ssh', '-p', '2222', 'web-1']);
    expect(redactArgv(['tool', '--token-file', '/run/t'])).toEqual(['tool', '--token-file', '/run/t']);
  });
});
