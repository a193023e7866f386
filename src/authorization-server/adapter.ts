// oidc-provider's storage adapter: every model the library persists goes to Keyturn's artifact table
// (../storage/oidc-payloads.ts), bearer credentials stored without their value and found by its hash; the
// Client model is read from Keyturn's own apps and consumers (registered with the CLI, never by the
// library).
import { errors } from 'oidc-provider';
import { loadedPayload, storedPayload } from '../storage/artifact-keys.ts';
import type { OidcPayloadsRepository, PayloadRow } from '../storage/oidc-payloads.ts';

export interface StoredPayload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
  [key: string]: unknown;
}

export type ClientLoader = (clientId: string) => Promise<Record<string, unknown> | undefined>;

export interface OidcAdapter {
  upsert(id: string, payload: StoredPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<StoredPayload | undefined>;
  findByUid(uid: string): Promise<StoredPayload | undefined>;
  findByUserCode(userCode: string): Promise<StoredPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

function toPayload(row: PayloadRow | undefined, now: number): StoredPayload | undefined {
  if (!row) return undefined;
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  const payload = JSON.parse(row.payload) as StoredPayload;
  if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
  return payload;
}

/** Returns the adapter class oidc-provider instantiates once per model name. */
export function adapterFactory(
  payloads: OidcPayloadsRepository,
  loadClient: ClientLoader,
): new (
  model: string,
) => OidcAdapter {
  class ClientAdapter implements OidcAdapter {
    async find(id: string) {
      return (await loadClient(id)) as StoredPayload | undefined;
    }
    async upsert() {
      throw new Error('clients are managed with the keyturn CLI');
    }
    async findByUid() {
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume() {}
    async destroy() {}
    async revokeByGrantId() {}
  }

  class PayloadAdapter implements OidcAdapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      await payloads.save(this.model, id, JSON.stringify(storedPayload(this.model, payload)), {
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
      });
    }

    async find(id: string) {
      const payload = toPayload(await payloads.find(this.model, id), Date.now());
      return payload && loadedPayload(this.model, id, payload);
    }

    async findByUid(uid: string) {
      return toPayload(await payloads.findByUid(this.model, uid), Date.now());
    }

    async findByUserCode() {
      return undefined;
    }

    async consume(id: string) {
      if (!(await payloads.consume(this.model, id)))
        throw new errors.InvalidGrant(`${this.model} already consumed`);
    }

    async destroy(id: string) {
      await payloads.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string) {
      // The delete spans every model's rows of the grant, whichever model's adapter was asked.
      await payloads.revokeByGrantId(grantId);
    }
  }

  return class KeyturnAdapter implements OidcAdapter {
    private readonly delegate: OidcAdapter;
    constructor(model: string) {
      this.delegate = model === 'Client' ? new ClientAdapter() : new PayloadAdapter(model);
    }
    upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      return this.delegate.upsert(id, payload, expiresIn);
    }
    find(id: string) {
      return this.delegate.find(id);
    }
    findByUid(uid: string) {
      return this.delegate.findByUid(uid);
    }
    findByUserCode(userCode: string) {
      return this.delegate.findByUserCode(userCode);
    }
    consume(id: string) {
      return this.delegate.consume(id);
    }
    destroy(id: string) {
      return this.delegate.destroy(id);
    }
    revokeByGrantId(grantId: string) {
      return this.delegate.revokeByGrantId(grantId);
    }
  };
}
