// Security headers for every page Keyturn renders (helmet): a strict CSP with no third-party assets except
// the app's logo, no framing (frame-ancestors 'none' and X-Frame-Options: DENY), no referrer, no caching.
import type { Context, Next } from 'koa';
import helmet from 'koa-helmet';

const headers = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'none'"],
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
