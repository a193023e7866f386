// A relying party of the FAPI 2.0 Security Profile, played by openid-client 6: its keys, its registration
// with Keyturn (`private_key_jwt` with an ES256 key), and DPoP proofs (RFC 9449 §4.2) made by hand, so tests
// can get each of their parts wrong.
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, SignJWT } from 'jose';
import * as oauth from 'openid-client';
import { type RegisteredFapi2App, registerFapi2App } from '../../src/apps/register.ts';
import { type RunningKeyturn, testRedirectUri } from './keyturn.ts';

export type KeyPair = Awaited<ReturnType<typeof oauth.randomDPoPKeyPair>>;

export const newKeyPair = () =>
  crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]) as Promise<KeyPair>;

export async function publicJwks(keys: KeyPair, kid: string) {
  return { keys: [{ ...(await exportJWK(keys.publicKey)), kid, use: 'sig', alg: 'ES256' }] };
}

export const thumbprintOf = async (keys: KeyPair) => calculateJwkThumbprint(await exportJWK(keys.publicKey));

export async function dpopProof(
  keys: KeyPair,
  method: string,
  url: string,
  accessToken: string,
  overrides: { jti?: string; iat?: number } = {},
) {
  const claims = {
    htm: method,
    htu: url,
    iat: overrides.iat ?? Math.floor(Date.now() / 1000),
    jti: overrides.jti ?? randomUUID(),
    ath: createHash('sha256').update(accessToken).digest('base64url'),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(keys.publicKey) })
    .sign(keys.privateKey);
}

/** Registers a FAPI 2.0 app "Fleet Insights" for BMW and MINI with `scopes` and discovers Keyturn as it. */
export async function connectFapiApp(keyturn: RunningKeyturn, scopes: string[]) {
  const clientKeys = await newKeyPair();
  const app: RegisteredFapi2App = await registerFapi2App(
    keyturn.repositories.apps,
    { name: 'Fleet Insights', redirectUris: [testRedirectUri], brands: ['bmw', 'mini'], scopes },
    await publicJwks(clientKeys, 'client-key-1'),
    keyturn.config.webhooks,
  );
  const config = await oauth.discovery(
    new URL(keyturn.url),
    app.client_id,
    undefined,
    oauth.PrivateKeyJwt({ key: clientKeys.privateKey, kid: 'client-key-1' }),
    { execute: [oauth.allowInsecureRequests] },
  );
  return { app, config, clientKeys };
}
