// Checks the JSON Web Key Set a FAPI 2.0 app registers (RFC 7517 §5): its public signing keys for
// `private_key_jwt` client assertions, each of a kind and algorithm the FAPI 2.0 Security Profile allows
// (PS256 with RSA of at least 2048 bits, ES256 with P-256, EdDSA with Ed25519). A private key given
// by mistake is refused: it must never leave the app.
import { createPublicKey, type JsonWebKey } from 'node:crypto';

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const algorithmsByKeyType: Record<string, string[]> = {
  RSA: ['PS256'],
  EC: ['ES256'],
  OKP: ['EdDSA', 'Ed25519'],
};

function keyProblems(key: unknown, index: number): string[] {
  const name = `key ${index + 1}`;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return [`${name} is not a JSON object`];
  const jwk = key as Record<string, unknown>;
  const problems: string[] = [];
  if (privateMembers.some((member) => member in jwk))
    return [
      `${name} is a private or secret key: register only the public key (without "d" and the other private members)`,
    ];
  const allowed = algorithmsByKeyType[String(jwk.kty)];
  if (!allowed) return [`${name} has key type ${String(jwk.kty)}; use RSA, EC (P-256) or OKP (Ed25519)`];
  if (jwk.kty === 'EC' && jwk.crv !== 'P-256') problems.push(`${name} must use the curve P-256`);
  if (jwk.kty === 'OKP' && jwk.crv !== 'Ed25519') problems.push(`${name} must use the curve Ed25519`);
  if (jwk.use !== undefined && jwk.use !== 'sig')
    problems.push(`${name} must be a signing key ("use": "sig")`);
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    problems.push(`${name} must allow "verify" in "key_ops"`);
  if (jwk.alg !== undefined && !allowed.includes(String(jwk.alg)))
    problems.push(
      `${name} has algorithm ${String(jwk.alg)}; ${String(jwk.kty)} keys may use ${allowed.join(' or ')}`,
    );
  if (problems.length > 0) return problems;
  try {
    const publicKey = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (jwk.kty === 'RSA' && (bits ?? 0) < 2048)
      problems.push(`${name} must be an RSA key of at least 2048 bits`);
  } catch {
    problems.push(`${name} is not a valid ${String(jwk.kty)} public key`);
  }
  return problems;
}

/** Every problem with a key set, in words an operator can act on; none for a usable one. */
export function jwksProblems(jwks: unknown): string[] {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys))
    return ['the JWKS must be a JSON object with a "keys" array'];
  const keys = (jwks as { keys: unknown[] }).keys;
  if (keys.length === 0) return ['the JWKS must hold at least one public signing key'];
  return keys.flatMap(keyProblems);
}
