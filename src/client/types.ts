// The JSON shapes Keyturn answers and sends, as its OpenAPI document describes them (snake_case on the
// wire, times as ISO 8601 UTC strings). Types only: the client adds no runtime schema library.

/** A clearance's (connectivity) status, as the maker reports the connection. */
export type ClearanceStatus =
  | 'pending'
  | 'pending_validation'
  | 'wrong_tracker_id'
  | 'pending_for_data'
  | 'connected'
  | 'error_data'
  | 'error_capability'
  | 'error_rejected'
  | 'error_revoke'
  | 'error_time_out'
  | 'error_validating'
  | 'disconnected';

/** The authorization status an owner's tokens have, derived from the clearance status. */
export type AuthorizationStatusValue = 'pending' | 'approved' | 'rejected' | 'revoked' | 'expired';

/** How a fleet's vehicles are grouped. */
export type StatusCategory = 'connected' | 'pending' | 'errors' | 'disconnected';

export type VehicleEventType =
  | 'accident_reported'
  | 'emergency_reported'
  | 'battery_guard_warning'
  | 'maintenance_changed'
  | 'vehicle_location_changed';

/** A brand id (`bmw`, `mini`, `mercedes-benz`, …): the list grows with the makers Keyturn connects. */
export type BrandId = string;

/** A `vehicle_data` authorization detail as an app asks for it (RFC 9396): instead of data-point scopes. */
export interface VehicleDataRequest {
  /** The data points, e.g. `['location', 'mileage']`: each one the app is registered for. */
  data_points: string[];
  /** Skip the brand step: one of the brands enabled for the app. */
  brand?: BrandId;
  /** Prefill the vehicle's VIN. */
  vin?: string;
}

/** The `vehicle_data` detail the owner granted: the vehicle consented to is always named. */
export interface VehicleDataGrant {
  type: 'vehicle_data';
  data_points: string[];
  brand: BrandId;
  vin: string;
}

/** The granted detail with the authorization's status now (status endpoint and introspection). */
export interface VehicleDataGrantWithStatus extends VehicleDataGrant {
  status: AuthorizationStatusValue;
}

/** The tokens of an owner's authorization (RFC 6749 §5.1). */
export interface Tokens {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  /** When the app asked with a `vehicle_data` detail: what the owner granted (RFC 9396 §7). */
  authorization_details?: VehicleDataGrant[];
}

/** `GET /v1/authorization`: the app's own view of its token. */
export interface AuthorizationStatus {
  status: AuthorizationStatusValue;
  vehicle_status: ClearanceStatus;
  vin: string;
  brand: BrandId;
  scope: string;
  /** While `pending`: when the current wait for the owner's approval at the maker began; otherwise null. */
  pending_since: string | null;
  /** After an error, a rejection or a revocation at the maker: where to send the owner to ask again. */
  resolution_url: string | null;
  /** When the app asked with a `vehicle_data` detail: the granted detail and its status. */
  authorization_details?: VehicleDataGrantWithStatus[];
}

export interface ChangelogEntry {
  timestamp: string;
  status: ClearanceStatus;
  reason: string;
}

/** An owner's clearance as the app management API shows it. */
export interface AppClearance {
  id: string;
  vin: string;
  brand: BrandId;
  status: ClearanceStatus;
  authorization_status: AuthorizationStatusValue;
  created_at: string;
  updated_at: string;
}

export interface AppClearanceWithChangelog extends AppClearance {
  changelog: ChangelogEntry[];
}

export interface AppClearancePage {
  clearances: AppClearance[];
  next_cursor: string | null;
}

export interface ClearanceListFilter {
  status?: ClearanceStatus;
  vin?: string;
  /** 1–100, 50 when left out. */
  limit?: number;
  cursor?: string;
}

export interface EligibilityRequest {
  vin: string;
  /** ISO 3166-1 alpha-2, capitals. */
  country: string;
}

export interface Eligibility {
  vin: string;
  eligible: boolean;
  brand: BrandId | null;
  reasons: { code: string; message: string }[];
}

export interface UsageStatement {
  month: string;
  currency: 'EUR';
  vehicles: { vin: string; events: number; amount_cents: number; capped: boolean }[];
  subtotal_cents: number;
  discount_cents: number;
  total_cents: number;
}

/** RFC 7662 §2.2: an active token's answer, as Keyturn gives it to a data consumer. */
export interface ActiveIntrospection {
  active: true;
  client_id: string;
  sub: string;
  scope: string;
  exp?: number;
  iat?: number;
  iss: string;
  /** `DPoP` for a token bound to a key, whose thumbprint `cnf.jkt` holds (RFC 9449 §6.2). */
  token_type?: 'Bearer' | 'DPoP';
  cnf?: { jkt: string };
  authorization_status: AuthorizationStatusValue;
  vehicle_status: ClearanceStatus;
  vin: string;
  brand: BrandId;
  /** When the app asked with a `vehicle_data` detail: the granted detail and its status. */
  authorization_details?: VehicleDataGrantWithStatus[];
}

/** Anything but an approved, unexpired token of a data flow answers exactly this. */
export interface InactiveIntrospection {
  active: false;
}

export type Introspection = ActiveIntrospection | InactiveIntrospection;

export type FleetProviderId = string;
export type TrackerType = 'oem' | 'obd' | 'canbus';

/** One vehicle or tracker to register (see the provider rules in the OpenAPI document). */
export interface VehicleRegistration {
  tracker_id: string;
  provider: FleetProviderId;
  type: TrackerType;
  object_id?: Record<string, string> | null;
  odometer?: number | null;
  registration_document_id?: string | null;
}

export interface Problem {
  pointer: string;
  code: string;
  message: string;
}

export interface RegisteredItem {
  index: number;
  id: string;
  tracker_id: string;
  provider: FleetProviderId;
  type: TrackerType;
  validation_status: ClearanceStatus;
  created: boolean;
}

export interface RejectedItem {
  index: number;
  tracker_id: string | null;
  error: { code: string; message: string; problems: Problem[] };
}

export interface RegistrationResults {
  vehicles: (RegisteredItem | RejectedItem)[];
}

export interface FleetVehicle {
  id: string;
  tracker_id: string;
  provider: FleetProviderId;
  type: TrackerType;
  vin: string | null;
  object_id: Record<string, string>;
  odometer: number | null;
  registration_document_id: string | null;
  validation_status: ClearanceStatus;
  status_category: StatusCategory;
  status_changed_at: string;
  created_at: string;
}

export interface FleetVehicleWithChangelog extends FleetVehicle {
  changelog: ChangelogEntry[];
}

export type VehicleCounts = Record<StatusCategory, number>;

export interface FleetVehiclePage {
  vehicles: FleetVehicle[];
  next_cursor: string | null;
  counts: VehicleCounts;
}

export interface FleetVehicleFilter {
  category?: StatusCategory;
  status?: ClearanceStatus;
  provider?: FleetProviderId;
  /** Searches tracker ids and VINs (1–64 characters). */
  q?: string;
  /** 1–500, 100 when left out. */
  limit?: number;
  cursor?: string;
}

export interface VehicleChanges {
  tracker_id?: string;
  object_id?: Record<string, string> | null;
  odometer?: number | null;
}

export interface StatusChange {
  id: string;
  validation_status: ClearanceStatus;
}
