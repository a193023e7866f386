// Security headers (helmet) for every page Keyturn renders: a strict CSP with no third-party assets except
// the app's logo, no framing (frame-ancestors 'none' and X-Frame-Options: DENY), no referrer, no caching.
// And on every response of a production server with an https issuer, HSTS (RFC 6797).
import type { Context, Next } from 'koa';
import helmet from 'koa-helmet';
import type { Config } from '../config/index.ts';

/**
 * The hash of the empty script: Keyturn's pages run no script at all. oidc-provider adds the hash of the
 * one inline script of its form_post response (which submits the form to the app) to an existing
 * script-src; without the directive the default-src 'none' would block that script.
 */
const noScript = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='";

const headers = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
      'script-src': [noScript],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:', 'https:'],
      'base-uri': ["'none'"],
      'frame-ancestors': ["'none'"],
      // form-action is left out on purpose: Chromium applies it to the redirect chain after a form post,
      // which ends at the app's registered redirect_uri on another origin.
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
});

export function securityHeaders() {
  return async function securityHeaders(ctx: Context, next: Next) {
    await headers(ctx, async () => {
      ctx.set('Cache-Control', 'no-store');
      await next();
    });
  };
}

/** One year, as browsers' preload lists ask; subdomains are the operator's to decide, so not included. */
const hstsMaxAge = 31_536_000;

export function transportSecurity(config: Pick<Config, 'mode' | 'issuer'>) {
  const hsts = config.mode === 'production' && config.issuer.startsWith('https://');
  return async function transportSecurity(ctx: Context, next: Next) {
    if (hsts) ctx.set('Strict-Transport-Security', `max-age=${hstsMaxAge}`);
    await next();
  };
}
