// "Register one" on the Platform (/platform/vehicles/new): the provider first, then a form asking exactly
// for that provider's fields (the tracker id as a VIN or a device id; for Mercedes-Benz the odometer and
// the registration certificate's image), plus the vehicle's details (plate, make, model; a tracker's VIN).
// The vehicle is checked and registered by the fleet API's own commands; the certificate is stored only
// once everything else about the vehicle is right, and only if its bytes prove its type.
import type { Context } from 'koa';
import { type FleetProvider, findFleetProvider, fleetProviders } from '../domain/fleet/providers.ts';
import { KeyturnError } from '../errors.ts';
import { documentTooLarge, storeDocument } from '../fleets/documents.ts';
import { registerVehicles } from '../fleets/register-vehicles.ts';
import { checkVehicle, type ItemProblem } from '../fleets/vehicle-input.ts';
import type { FleetDocumentsRepository } from '../storage/fleet-documents.ts';
import type { FleetVehiclesRepository } from '../storage/fleet-vehicles.ts';
import { uploadOf } from '../web/multipart.ts';
import { render } from '../web/views.ts';
import { fleetUser } from './fleet-user.ts';

export interface RegisterOneDependencies {
  vehicles: FleetVehiclesRepository;
  documents: FleetDocumentsRepository;
  providerAvailable(id: string): boolean;
}

export const registerOnePath = '/platform/vehicles/new';
const view = 'platform/new.njk';
const detailFields = ['license_plate', 'make', 'model', 'vin'] as const;
/** Stands for the certificate while the rest of the vehicle is checked, before it is stored. */
const uploadPending = 'upload';

/** The form field a problem belongs on (the API's JSON pointer, in the form's names). */
function fieldOf(problem: ItemProblem): string {
  if (problem.pointer === '/registration_document_id') return 'certificate';
  if (problem.pointer === '/object_id/vin') return 'vin';
  const field = problem.pointer.slice(1);
  return ['tracker_id', 'odometer'].includes(field) ? field : 'form';
}

const fieldErrors = (problems: ItemProblem[]) =>
  Object.fromEntries(problems.map((problem) => [fieldOf(problem), problem]));

/** The API's item, from the form's text fields. */
function itemOf(provider: FleetProvider, form: Record<string, string>, documentId: string | undefined) {
  const objectId: Record<string, string> = {};
  for (const field of detailFields) if (form[field]?.trim()) objectId[field] = form[field].trim();
  const odometer = form.odometer?.trim();
  return {
    tracker_id: form.tracker_id ?? '',
    provider: provider.id,
    type: provider.type,
    object_id: objectId,
    ...(odometer ? { odometer: /^\d+$/.test(odometer) ? Number(odometer) : odometer } : {}),
    ...(documentId ? { registration_document_id: documentId } : {}),
  };
}

export function registerOnePage(deps: RegisterOneDependencies) {
  function showForm(
    ctx: Context,
    provider: FleetProvider | undefined,
    extra: Record<string, unknown> = {},
    status = 200,
  ) {
    render(
      ctx,
      view,
      {
        action: registerOnePath,
        providers: fleetProviders
          .filter((candidate) => deps.providerAvailable(candidate.id))
          .map((candidate) => candidate.id),
        provider,
        form: {},
        errors: {},
        ...extra,
      },
      status,
    );
  }

  return {
    show(ctx: Context) {
      const provider = findFleetProvider(ctx.query.provider);
      showForm(ctx, provider && deps.providerAvailable(provider.id) ? provider : undefined);
    },
    async submit(ctx: Context) {
      const form = (ctx.request.body ?? {}) as Record<string, string>;
      const provider = findFleetProvider(form.provider);
      if (!provider || !deps.providerAvailable(provider.id)) return showForm(ctx, undefined, {}, 400);
      const upload = uploadOf(ctx);
      const { fleet } = fleetUser(ctx);
      const again = (
        errors: Record<string, ItemProblem | { messageKey: string; messageValues?: Record<string, unknown> }>,
      ) => showForm(ctx, provider, { form, errors }, 400);

      // Everything but the certificate's bytes first, as the API checks it.
      const checked = await checkVehicle(itemOf(provider, form, upload ? uploadPending : undefined), {
        ownsDocument: async (id) => id === uploadPending,
        providerAvailable: deps.providerAvailable,
      });
      if (!checked.ok) return again(fieldErrors(checked.problems));

      let documentId: string | undefined;
      if (upload) {
        try {
          if (upload.truncated) throw documentTooLarge();
          documentId = (await storeDocument(deps.documents, fleet, upload.declaredType, upload.bytes)).id;
        } catch (error) {
          if (!(error instanceof KeyturnError) || error.status >= 500) throw error;
          return again({ certificate: { messageKey: error.messageKey, messageValues: error.messageValues } });
        }
      }
      const [result] = await registerVehicles(
        deps,
        fleet,
        { vehicles: [itemOf(provider, form, documentId)] },
        fleetUser(ctx).accountId,
      );
      if (!result || !('vehicle' in result)) return again(fieldErrors(result?.problems ?? []));
      ctx.status = 303;
      ctx.redirect(
        `/platform/vehicles/${encodeURIComponent(result.vehicle.id)}?done=${result.created ? 'registered' : 'existing'}`,
      );
    },
  };
}
