import { describe, expect, it } from 'vitest';
import { ScramClient, ScramError } from '../../../dataplane/postgres/upstream/scram-client.ts';

// The SCRAM-SHA-256 exchange of RFC 7677, section 3: user "user", password "pencil".
const RFC7677 = {
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

function rfcClient(): ScramClient {
  return new ScramClient('pencil', { clientNonce: RFC7677.clientNonce, user: 'user' });
}

describe('ScramClient against the RFC 7677 test vector', () => {
  it('sends the client-first-message of the vector', () => {
    expect(rfcClient().firstMessage()).toBe(RFC7677.clientFirst);
  });

  it('answers the server-first-message with the vector client proof', () => {
    const client = rfcClient();
    client.firstMessage();
    expect(client.finalMessage(RFC7677.serverFirst)).toBe(RFC7677.clientFinal);
  });

  it('accepts the vector server signature', () => {
    const client = rfcClient();
    client.firstMessage();
    client.finalMessage(RFC7677.serverFirst);
    expect(() => client.verifyFinal(RFC7677.serverFinal)).not.toThrow();
  });

  it('refuses a server signature that differs in one bit', () => {
    const client = rfcClient();
    client.firstMessage();
    client.finalMessage(RFC7677.serverFirst);
    const signature = Buffer.from(RFC7677.serverFinal.slice(2), 'base64');
    signature[0] ^= 1;
    expect(() => client.verifyFinal(`v=${signature.toString('base64')}`)).toThrow(/server signature does not verify/);
  });

  it('a wrong password yields a different proof and refuses the real server signature', () => {
    const client = new ScramClient('pencil2', { clientNonce: RFC7677.clientNonce, user: 'user' });
    client.firstMessage();
    expect(client.finalMessage(RFC7677.serverFirst)).not.toBe(RFC7677.clientFinal);
    expect(() => client.verifyFinal(RFC7677.serverFinal)).toThrow(ScramError);
  });
});

describe('ScramClient failures', () => {
  it('refuses a server nonce that does not extend the client nonce', () => {
    const client = rfcClient();
    client.firstMessage();
    expect(() => client.finalMessage(RFC7677.serverFirst.replace('r=rOpr', 'r=XOpr'))).toThrow(/server nonce does not extend ours/);
  });

  it.each([
    ['no salt', 'r=rOprNGfwEbeRWgbNEkqO%hv,i=4096'],
    ['no iteration count', 'r=rOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gQ=='],
    ['zero iterations', 'r=rOprNGfwEbeRWgbNEkqO%hv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0'],
    ['no nonce', 's=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
  ])('refuses a malformed server-first-message (%s)', (_, serverFirst) => {
    const client = rfcClient();
    client.firstMessage();
    expect(() => client.finalMessage(serverFirst)).toThrow(/malformed server-first-message/);
  });

  it('reports a server error attribute in the server-final-message', () => {
    const client = rfcClient();
    client.firstMessage();
    client.finalMessage(RFC7677.serverFirst);
    expect(() => client.verifyFinal('e=invalid-proof')).toThrow(/server refused: invalid-proof/);
  });

  it('refuses a server-final-message before the exchange computed a signature', () => {
    expect(() => rfcClient().verifyFinal(RFC7677.serverFinal)).toThrow(/server signature does not verify/);
  });

  it('refuses a nonce or user name that would split an attribute', () => {
    expect(() => new ScramClient('pencil', { clientNonce: 'a,b' })).toThrow(ScramError);
    expect(() => new ScramClient('pencil', { user: 'a=b' })).toThrow(ScramError);
  });
});

describe('ScramClient as the proxy uses it', () => {
  it('leaves the user empty (PostgreSQL takes it from the startup packet) and draws a fresh nonce', () => {
    const first = new ScramClient('pencil').firstMessage();
    expect(first).toMatch(/^n,,n=,r=[A-Za-z0-9+/]{24}$/);
    expect(new ScramClient('pencil').firstMessage()).not.toBe(first);
  });
});
