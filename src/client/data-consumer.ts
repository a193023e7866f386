// `createDataConsumer`: RFC 7662 token introspection for a data consumer, which serves an app's data only
// while Keyturn answers `active: true` (the clearance approved); anything else is exactly `{active:false}`.
import * as oauth from 'openid-client';
import { type ClientCredentials, lazyConfiguration } from './discovery.ts';
import { asAuthorizationError } from './oauth-errors.ts';
import type { ActiveIntrospection, Introspection } from './types.ts';

export interface DataConsumer {
  introspect(token: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<Introspection>;
}

export function createDataConsumer(options: ClientCredentials): DataConsumer {
  const configuration = lazyConfiguration(options);
  return {
    async introspect(token, tokenTypeHint) {
      const answer = await asAuthorizationError(
        oauth.tokenIntrospection(
          await configuration(),
          token,
          tokenTypeHint ? { token_type_hint: tokenTypeHint } : undefined,
        ),
      );
      if (answer.active !== true) return { active: false };
      return answer as unknown as ActiveIntrospection;
    },
  };
}
