// The FAPI 2.0 demo app's two ES256 key pairs: one signs its client assertions (`private_key_jwt`,
// RFC 7523 §2.2), the other its DPoP proofs (RFC 9449 §4). Development only: made on first start and kept
// as private JWKs (RFC 7517) in the settings table, as the demo app keeps its client secret, so a restart
// signs with the same keys and the registered public key stays valid.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { CryptoKey, CryptoKeyPair } from 'openid-client';
import type { SettingsRepository } from '../../storage/settings.ts';

export const fapiDemoSigningKid = 'demo-fapi-signing-1';
const algorithm = 'ES256';

export interface FapiDemoKeys {
  /** Signs the client assertions; its public half is the app's registered JWKS. */
  signing: { privateKey: CryptoKey; kid: string };
  /** The JWKS registered with Keyturn: the public signing key only. */
  jwks: { keys: JWK[] };
  /** The DPoP key pair every token of the app is bound to. */
  dpop: CryptoKeyPair;
  /** RFC 7638 thumbprint of the DPoP public key: the `cnf.jkt` of a bound token. */
  dpopThumbprint: string;
}

async function newPrivateJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true });
  return JSON.stringify(await exportJWK(privateKey));
}

/** The public members of an EC private JWK (everything but `d`). */
function publicPart(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return rest;
}

async function keyPairOf(privateJwk: JWK): Promise<CryptoKeyPair> {
  const [privateKey, publicKey] = await Promise.all([
    importJWK(privateJwk, algorithm, { extractable: false }),
    importJWK(publicPart(privateJwk), algorithm),
  ]);
  return { privateKey, publicKey } as CryptoKeyPair;
}

export async function fapiDemoKeys(settings: SettingsRepository): Promise<FapiDemoKeys> {
  const signingJwk = JSON.parse(await settings.getOrCreate('demo_fapi_signing_key', newPrivateJwk)) as JWK;
  const dpopJwk = JSON.parse(await settings.getOrCreate('demo_fapi_dpop_key', newPrivateJwk)) as JWK;
  const signing = await keyPairOf(signingJwk);
  return {
    signing: { privateKey: signing.privateKey, kid: fapiDemoSigningKid },
    jwks: { keys: [{ ...publicPart(signingJwk), kid: fapiDemoSigningKid, use: 'sig', alg: algorithm }] },
    dpop: await keyPairOf(dpopJwk),
    dpopThumbprint: await calculateJwkThumbprint(publicPart(dpopJwk)),
  };
}
