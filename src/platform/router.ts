// The fleet Platform (/platform): fleet users sign in with their Keyturn account, follow their vehicles
// grouped by status category and act on them. Pages, not an API: forms work without JavaScript and every
// POST carries the CSRF token. Every rule comes from the fleet API's services; nothing here decides one.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { maxDocumentBytes } from '../fleets/documents.ts';
import type { RelayStore } from '../relay/apply-clearance-event.ts';
import type { PasswordHashing } from '../security/passwords.ts';
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
import { platformSignIn, requireAdmin, requireFleetUser } from './fleet-user.ts';
import { type IntegrationPageDependencies, integrationPageHandlers } from './integration-page.ts';
import { type MembersDependencies, membersPage } from './members.ts';
import { overviewPage } from './overview.ts';
import { registerOnePage } from './register-one.ts';
import { platformSignInPage } from './sign-in.ts';
import { importForms, vehicleImportPage } from './vehicle-import.ts';
import { vehiclePage } from './vehicle-page.ts';

export interface PlatformDependencies extends IntegrationPageDependencies, MembersDependencies {
  accounts: AccountsRepository;
  sessions: OwnerSessionsRepository;
  signInThrottle: SignInThrottle;
  passwords: PasswordHashing;
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
  // Pasted CSV text (up to 1,000 vehicles) is read first with a larger limit; the 16 kB parser then skips it.
  router.use('/vehicles/import', importForms);
  // A certificate upload is the one multipart form; its fields are read before the CSRF check, as any form's.
  router.use(forms, multipartForms({ maxFileBytes: maxDocumentBytes }), csrfProtection());
  const signIn = platformSignInPage(deps);
  const signedIn = requireFleetUser(deps);
  const admin = [signedIn, requireAdmin];
  const vehicle = vehiclePage(deps);

  router.get('/sign-in', signIn.show);
  router.post('/sign-in', signIn.submit);
  router.post('/sign-out', signIn.signOut);
  router.get('/', signedIn, overviewPage(deps));
  const registerOne = registerOnePage(deps);
  router.get('/vehicles/new', signedIn, registerOne.show);
  router.post('/vehicles/new', signedIn, registerOne.submit);
  const importMany = vehicleImportPage(deps);
  router.get('/vehicles/import', signedIn, importMany.show);
  router.get('/vehicles/import/template.csv', signedIn, importMany.template);
  router.post('/vehicles/import', signedIn, importMany.preview);
  router.post('/vehicles/import/confirm', signedIn, importMany.confirm);
  const members = membersPage(deps);
  router.get('/members', ...admin, members.show);
  router.post('/members/invite', ...admin, members.invite);
  router.post('/members/:accountId/remove', ...admin, members.remove);
  router.get('/vehicles/:id', signedIn, vehicle.show);
  router.post('/vehicles/:id/validate', signedIn, vehicle.validate);
  router.post('/vehicles/:id/tracker-id', signedIn, vehicle.correct);
  router.post('/vehicles/:id/details', signedIn, vehicle.details);
  router.get('/vehicles/:id/remove', signedIn, vehicle.confirmRemoval);
  router.post('/vehicles/:id/remove', signedIn, vehicle.remove);
  const integration = integrationPageHandlers(deps);
  router.get('/integration', ...admin, integration.show);
  router.post('/integration/client-secret/rotate', ...admin, integration.rotateClientSecret);
  router.post('/integration/client-secret/end-overlap', ...admin, integration.endClientSecretOverlap);
  router.post('/integration/webhook/url', ...admin, integration.saveWebhookUrl);
  router.post('/integration/webhook/secret/rotate', ...admin, integration.rotateWebhookSecret);
  router.post('/integration/webhook/enable', ...admin, integration.enableWebhook);
  router.post('/integration/webhook/events', ...admin, integration.saveEventTypes);
  router.post('/integration/webhook/test-event', ...admin, integration.sendTestEvent);
  router.post('/integration/deliveries/:job/replay', ...admin, integration.replay);
  return router;
}

export { platformSignIn };
