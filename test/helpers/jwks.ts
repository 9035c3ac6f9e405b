/** A JWKS endpoint on 127.0.0.1 and a signer, for testing generated services' JWT auth. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

export interface JwksServer {
  jwksUrl: string;
  sign(claims: { scope?: string; sub?: string; iss?: string; aud?: string; expSeconds?: number }): Promise<string>;
  /** A token signed by a key the JWKS does not publish. */
  signWithUnknownKey(claims: { scope?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startJwks(issuer: string, audience: string): Promise<JwksServer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const make = (key: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'], kid: string, c: { scope?: string; sub?: string; iss?: string; aud?: string; expSeconds?: number }) =>
    new SignJWT({ scope: c.scope ?? '' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(c.sub ?? 'user-1')
      .setIssuer(c.iss ?? issuer)
      .setAudience(c.aud ?? audience)
      .setIssuedAt()
      .setExpirationTime(`${c.expSeconds ?? 600}s`)
      .sign(key);
  return {
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    sign: (c) => make(privateKey, 'test-key', c),
    signWithUnknownKey: (c) => make(other.privateKey, 'test-key', c),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
