// Asking the maker again (GET/POST /account/access/:clearanceId/request-again): after the maker could not
// be asked, never answered, did not know the VIN, or the owner rejected or revoked access there, the owner
// confirms the same app, vehicle and data points on one page. Confirming is a consent given again: it is
// recorded with the wording shown and a receipt is mailed, the clearance goes back to `pending`, the app is
// told by webhook and the maker is asked anew, all in one transaction. The app keeps its tokens.
// Apps link owners here (`resolution_url` in GET /v1/authorization); the dashboard does too.

import type { Context } from 'koa';
import { mayAskAgain } from '../domain/clearance/status.ts';
import { findBrand } from '../domain/vehicles/brands.ts';
import { isLocale } from '../i18n/index.ts';
import { recordConsent } from '../journey/record-consent.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import { requestAgain } from '../relay/request-again.ts';
import type { AppsRepository } from '../storage/apps.ts';
import type { Clearance } from '../storage/clearances.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { render } from '../web/views.ts';
import { ownClearance } from './own-clearance.ts';
import { ownerOf } from './owner-session.ts';
import { signInFirst } from './return-path.ts';

export interface RequestAgainDependencies {
  relay: RelayStore;
  apps: AppsRepository;
  sessions: OwnerSessionsRepository;
}

export function requestAgainPage(deps: RequestAgainDependencies) {
  /** The signed-in owner's own clearance; another owner's is as unknown as a missing one. */
  async function signedInOwnersClearance(ctx: Context): Promise<Clearance | undefined> {
    const accountId = await ownerOf(ctx, deps.sessions);
    if (accountId) return ownClearance(ctx, deps.relay.clearances, accountId);
    signInFirst(ctx);
    return undefined;
  }

  return {
    async show(ctx: Context) {
      const clearance = await signedInOwnersClearance(ctx);
      if (!clearance) return;
      if (!mayAskAgain(clearance.status)) return ctx.redirect('/account');
      const app = await deps.apps.find(clearance.clientId);
      render(ctx, 'account/request-again.njk', {
        clearanceId: clearance.id,
        appName: app?.name ?? clearance.clientId,
        brandName: findBrand(clearance.brand)?.name ?? clearance.brand,
        vin: clearance.vin,
        status: clearance.status,
        dataPoints: clearance.scopes,
      });
    },

    async submit(ctx: Context) {
      const clearance = await signedInOwnersClearance(ctx);
      if (!clearance) return;
      const locale = isLocale(ctx.state.locale) ? ctx.state.locale : 'en';
      const app = await deps.apps.find(clearance.clientId);
      const store = deps.relay;
      // A second click finds the clearance pending again and changes nothing (no second record or mail).
      await store.transactions.transaction(async () => {
        const applied = await requestAgain(store, clearance.id, 'owner_requested_again');
        const accountId = clearance.accountId;
        if (applied.outcome !== 'changed' || !accountId) return;
        await recordConsent(store, {
          occasion: 'request_again',
          clearance: { ...clearance, accountId },
          appName: app?.name ?? clearance.clientId,
          locale,
          receiptKey: `${clearance.id}:${applied.transitionId}`,
        });
      });
      ctx.status = 303;
      ctx.redirect('/account?requested=1');
    },
  };
}
