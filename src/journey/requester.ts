// Who is asking, as every journey page shows it: the app's name as registered, a monogram (or its logo
// when the browser may load it), the host of the redirect URI this very request names (where the owner
// will be sent back to), and its privacy policy and terms when registered.
// The monogram's colour is one of a fixed set of tones (the stylesheet's `.monogram.tone-N`, each dark
// enough for a white letter at 4.5:1, WCAG 2.1 §1.4.3), chosen from the name so an app keeps its colour.
import type { App } from '../storage/apps.ts';

export const monogramTones = 8;

export interface Requester {
  name: string;
  monogram: { letters: string; tone: number };
  /** Only an https logo: the Content-Security-Policy lets pages load images from https origins only. */
  logoUrl: string | undefined;
  domain: string | undefined;
  privacyUrl: string | undefined;
  termsUrl: string | undefined;
}

/** The first letter of the name's first two words, upper-cased (a name without letters shows "?"). */
export function monogramLetters(name: string): string {
  const initials = name
    .split(/\s+/)
    .map((word) => Array.from(word.replace(/^[^\p{L}\p{N}]+/u, ''))[0])
    .filter((letter): letter is string => letter !== undefined)
    .slice(0, 2)
    .join('');
  return initials.toLocaleUpperCase('en') || '?';
}

/** A tone from the name's characters: the same name always gets the same colour. */
export function monogramTone(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 1_000_003;
  return hash % monogramTones;
}

function httpsOnly(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    return new URL(value).protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

function hostOf(redirectUri: unknown): string | undefined {
  if (typeof redirectUri !== 'string') return undefined;
  try {
    return new URL(redirectUri).host;
  } catch {
    return undefined;
  }
}

export function requesterOf(app: App, requestParams: Record<string, unknown>): Requester {
  return {
    name: app.name,
    monogram: { letters: monogramLetters(app.name), tone: monogramTone(app.name) },
    logoUrl: httpsOnly(app.logoUri),
    domain: hostOf(requestParams.redirect_uri),
    // Registered links are https (http only on localhost outside production): shown as registered.
    privacyUrl: app.privacyUrl ?? undefined,
    termsUrl: app.termsUrl ?? undefined,
  };
}

/** An address as "m…@example.com": its first character and its whole domain. */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '…';
  return `${Array.from(email)[0]}…${email.slice(at)}`;
}
