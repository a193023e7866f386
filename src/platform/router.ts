// The fleet Platform (/platform): fleet users sign in with their Keyturn account, follow their vehicles
// grouped by status category and act on them. Pages, not an API: forms work without JavaScript and every
// POST carries the CSRF token. Every rule comes from the fleet API's services; nothing here decides one.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { maxDocumentBytes } from '../fleets/documents.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { RateLimit } from '../security/rate-limits.ts';
import type { SignInThrottle } from '../security/sign-in-throttle.ts';
import type { AccountsRepository } from '../storage/accounts.ts';
import type { FleetDocumentsRepository } from '../storage/fleet-documents.ts';
import type { FleetMembersRepository } from '../storage/fleet-members.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import type { FleetsRepository } from '../storage/fleets.ts';
import type { OwnerSessionsRepository } from '../storage/owner-sessions.ts';
import { csrfProtection } from '../web/csrf.ts';
import { multipartForms } from '../web/multipart.ts';
import { platformSignIn, requireFleetUser } from './fleet-user.ts';
import { overviewPage } from './overview.ts';
import { registerOnePage } from './register-one.ts';
import { platformSignInPage } from './sign-in.ts';
import { vehiclePage } from './vehicle-page.ts';

export interface PlatformDependencies {
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
  signInThrottle: SignInThrottle;
  members: FleetMembersRepository;
  fleets: FleetsRepository;
  vehicles: FleetVehiclesRepository;
  relay: RelayStore;
  validations: RateLimit;
  documents: FleetDocumentsRepository;
  /** Whether a provider's API is configured (or simulated): vehicles of another cannot be registered. */
  providerAvailable(id: string): boolean;
}

const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

export function platformRouter(deps: PlatformDependencies): Router {
  const router = new Router({ prefix: '/platform' });
  // A certificate upload is the one multipart form; its fields are read before the CSRF check, as any form's.
  router.use(forms, multipartForms({ maxFileBytes: maxDocumentBytes }), csrfProtection());
  const signIn = platformSignInPage(deps);
  const signedIn = requireFleetUser(deps);
  const vehicle = vehiclePage(deps);

  router.get('/sign-in', signIn.show);
  router.post('/sign-in', signIn.submit);
  router.post('/sign-out', signIn.signOut);
  router.get('/', signedIn, overviewPage(deps));
  const registerOne = registerOnePage(deps);
  router.get('/vehicles/new', signedIn, registerOne.show);
  router.post('/vehicles/new', signedIn, registerOne.submit);
  router.get('/vehicles/:id', signedIn, vehicle.show);
  router.post('/vehicles/:id/validate', signedIn, vehicle.validate);
  router.post('/vehicles/:id/tracker-id', signedIn, vehicle.correct);
  router.get('/vehicles/:id/remove', signedIn, vehicle.confirmRemoval);
  router.post('/vehicles/:id/remove', signedIn, vehicle.remove);
  return router;
}

export { platformSignIn };
