// The soak's virtual users, behaving as real clients do: owners walk the journey (reloading a page that
// failed to load; a failed walk starts again from the beginning, as a new journey with its own VIN), the app redeems each code at the other
// instance and now and then refreshes its tokens, and the data consumer introspects the tokens issued so
// far. A request that fails is recorded, and retried after the Retry-After the server asked for, or a
// short pause.
import type { ClientCredentials } from '../bench/flows.ts';
import { type Instance, introspect, redeemCode, refresh, type Tokens } from './clients.ts';
import { uniqueVin, walkJourney } from './journey.ts';
import { type InstanceName, type Ledger, RequestFailure } from './ledger.ts';
import type { OwnerDecisions } from './owners.ts';
import type { Receipt } from './webhook-receiver.ts';

export interface JourneyAttempt {
  id: number;
  vin: string;
  email: string;
  journeyOn: InstanceName;
  /** failed: the walk ended before a code; unredeemed: a code no exchange redeemed. */
  outcome: 'walking' | 'failed' | 'unredeemed' | 'exchanged';
}

export interface Session {
  attempt: JourneyAttempt;
  tokens: Tokens;
  /** Taken by a refresh under way: a refresh token is used by one request at a time, as a client would. */
  busy: boolean;
  refreshes: number;
}

/** An introspection answer the owner's decisions and the webhooks already received contradict. */
export interface Contradiction {
  vin: string;
  at: number;
  what: string;
}

export interface TrafficOptions {
  instances: [Instance, Instance];
  app: ClientCredentials;
  consumer: ClientCredentials;
  ledger: Ledger;
  readCode: (email: string) => Promise<string>;
  owners: OwnerDecisions;
  receipts: Receipt[];
  runTag: string;
  journeyUsers: number;
  introspectionUsers: number;
}

export interface Traffic {
  attempts: JourneyAttempt[];
  sessions: Session[];
  contradictions: Contradiction[];
  /** Lets every user finish what it is doing, then resolves. */
  stop(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function startTraffic(options: TrafficOptions): Traffic {
  const { instances, ledger } = options;
  const attempts: JourneyAttempt[] = [];
  const sessions: Session[] = [];
  const contradictions: Contradiction[] = [];
  let running = true;
  let turn = 0;
  const nextInstance = () => instances[turn++ % 2] as Instance;

  /** Runs `request` until it succeeds or `tries` failures; every failure is recorded. */
  async function persist<T>(request: () => Promise<T>, tries: number): Promise<T | undefined> {
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof RequestFailure)) throw error;
        ledger.failed(error.toFailure());
        // 4xx other than 429 will not change on a retry.
        if (/^HTTP 4(?!29)/.test(error.message)) return undefined;
        await pause(error.retryAfterMs ?? 250 * attempt);
      }
    }
    return undefined;
  }

  async function journeyUser() {
    while (running) {
      const id = attempts.length;
      const journeyOn = instances[id % 2] as Instance;
      const exchangeOn = instances[(id + 1) % 2] as Instance;
      const attempt: JourneyAttempt = {
        id,
        vin: uniqueVin(options.runTag, id),
        email: `soak-${options.runTag.toLowerCase()}-${id}@example.com`,
        journeyOn: journeyOn.name,
        outcome: 'walking',
      };
      attempts.push(attempt);
      let code: { code: string; verifier: string };
      try {
        code = await walkJourney(journeyOn, options.app, attempt, options.readCode, (failure) =>
          ledger.failed(failure.toFailure()),
        );
      } catch (error) {
        if (!(error instanceof RequestFailure)) throw error;
        attempt.outcome = 'failed';
        ledger.failed(error.toFailure());
        await pause(error.retryAfterMs ?? 500);
        continue;
      }
      ledger.succeeded('journey');
      const tokens = await persist(
        () => redeemCode(exchangeOn, options.app, code.code, code.verifier),
        // An authorization code lives 60 seconds; these tries fit well inside.
        8,
      );
      if (!tokens) {
        attempt.outcome = 'unredeemed';
        continue;
      }
      ledger.succeeded('exchange');
      attempt.outcome = 'exchanged';
      sessions.push({ attempt, tokens, busy: false, refreshes: 0 });
      await pause(300);
    }
  }

  function contradiction(vin: string, active: boolean, startedAt: number, endedAt: number) {
    const webhookBefore = (status: string) =>
      options.receipts.some((r) => r.vin === vin && r.status === status && r.at < startedAt);
    const revokedAt = options.owners.revokedAt.get(vin);
    if (!active && webhookBefore('approved') && (revokedAt === undefined || revokedAt > endedAt))
      return 'inactive although the owner approved and the approved webhook had arrived';
    if (active && revokedAt !== undefined && webhookBefore('revoked'))
      return 'active although the owner revoked and the revoked webhook had arrived';
    return undefined;
  }

  async function introspectionUser() {
    while (running) {
      const session = sessions[Math.floor(Math.random() * sessions.length)];
      if (!session) {
        await pause(200);
        continue;
      }
      const { accessToken } = session.tokens;
      const startedAt = Date.now();
      const answer = await persist(() => introspect(nextInstance(), options.consumer, accessToken), 10);
      if (answer) {
        ledger.succeeded('introspection');
        const what = contradiction(session.attempt.vin, answer.active, startedAt, Date.now());
        if (what) contradictions.push({ vin: session.attempt.vin, at: startedAt, what });
      }
      await pause(100);
    }
  }

  async function refreshUser() {
    while (running) {
      await pause(1_000);
      const idle = sessions.filter((s) => !s.busy);
      const session = idle[Math.floor(Math.random() * idle.length)];
      if (!session) continue;
      session.busy = true;
      const tokens = await persist(() => refresh(nextInstance(), options.app, session.tokens), 10);
      if (tokens) {
        ledger.succeeded('refresh');
        session.tokens = tokens;
        session.refreshes++;
      }
      session.busy = false;
    }
  }

  const users = [
    ...Array.from({ length: options.journeyUsers }, journeyUser),
    ...Array.from({ length: options.introspectionUsers }, introspectionUser),
    refreshUser(),
  ];
  return {
    attempts,
    sessions,
    contradictions,
    async stop() {
      running = false;
      await Promise.all(users);
    },
  };
}
