// What the scale-out run checks, each as a named verdict: requests alternated between the instances and
// pinned ones stayed pinned; the token introspects active through either instance; each instance's
// /metrics counts the journey requests nginx says it served; the webhook arrived and verified; the worker
// emptied the outbox and gave nothing up.
import { basicAuth, type ClientCredentials } from '../bench/flows.ts';
import { type InstanceName, pinHeader, type ServedRequest } from './journey.ts';

export interface Verdict {
  name: string;
  ok: boolean;
  detail: string;
}

export const verdict = (name: string, ok: boolean, detail: string): Verdict => ({ name, ok, detail });

export function checkAlternation(requests: ServedRequest[]): Verdict[] {
  const strays = requests.filter((r) => r.pinned && r.servedBy !== r.pinned);
  const free = requests.filter((r) => !r.pinned);
  const servedBy = (name: InstanceName) => free.filter((r) => r.servedBy === name).length;
  const unknown = requests.filter((r) => r.servedBy === 'unknown').length;
  const switches = free.filter((r, i) => i > 0 && r.servedBy !== free[i - 1]?.servedBy).length;
  const pinnedA = requests.filter((r) => r.pinned === 'a' && r.servedBy === 'a');
  const pinnedB = requests.filter((r) => r.pinned === 'b' && r.servedBy === 'b');
  return [
    verdict(
      'pinned requests served by their instance',
      strays.length === 0 && unknown === 0 && pinnedA.length > 0 && pinnedB.length > 0,
      `${pinnedA.length} on a, ${pinnedB.length} on b, ${strays.length} astray, ${unknown} unattributed`,
    ),
    verdict(
      'round robin reached both instances',
      servedBy('a') > 0 && servedBy('b') > 0,
      `${free.length} unpinned requests: ${servedBy('a')} on a, ${servedBy('b')} on b, ${switches} switches`,
    ),
    verdict(
      'interaction started on a continued on b',
      pinnedB.some((r) => r.method === 'POST' && r.path.endsWith('/account') && r.status < 400),
      'the account form (interaction cookie and CSRF token from a) was accepted by b',
    ),
  ];
}

/** RFC 7662 introspection through nginx, pinned to one instance. */
export async function introspectAt(
  issuer: string,
  instance: InstanceName,
  consumer: ClientCredentials,
  token: string,
): Promise<boolean> {
  const response = await fetch(new URL('/token/introspection', issuer), {
    method: 'POST',
    headers: {
      authorization: basicAuth(consumer),
      'content-type': 'application/x-www-form-urlencoded',
      [pinHeader]: instance,
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  });
  if (!response.ok) throw new Error(`introspection on ${instance}: HTTP ${response.status}`);
  return ((await response.json()) as { active?: boolean }).active === true;
}

export interface RequestCounter {
  method: string;
  route: string;
  status: string;
  value: number;
}

/** `keyturn_http_requests_total` of one instance, scraped directly (not through the public proxy). */
export async function scrapeRequests(instanceUrl: string, token: string): Promise<RequestCounter[]> {
  const response = await fetch(new URL('/metrics', instanceUrl), {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) throw new Error(`GET ${instanceUrl}/metrics: HTTP ${response.status}`);
  const counters: RequestCounter[] = [];
  for (const line of (await response.text()).split('\n')) {
    const match = /^keyturn_http_requests_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!match?.[1]) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(match[1] as string)?.[1] ?? '';
    counters.push({
      method: label('method'),
      route: label('route'),
      status: label('status'),
      value: Number(match[2]),
    });
  }
  return counters;
}

const isJourneyRoute = (route: string) => /^\/(auth|interaction)(\/|$)/.test(route);
/** The route template a journey path matches: `/interaction/<uid>/vin` → `/interaction/:uid/vin`. */
const routeOf = (path: string) => path.replace(/^\/(auth|interaction)\/[^/]+/, '/$1/:uid');

/** Requests per `METHOD route`, from the counters or from what nginx said each instance served. */
function tally(entries: Array<{ key: string; count: number }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { key, count } of entries) counts.set(key, (counts.get(key) ?? 0) + count);
  return counts;
}

export function checkMetrics(
  scraped: Record<InstanceName, RequestCounter[]>,
  requests: ServedRequest[],
): Verdict[] {
  return (['a', 'b'] as const).flatMap((name) => {
    const counters = scraped[name];
    const total = counters.reduce((sum, c) => sum + c.value, 0);
    const counted = tally(
      counters
        .filter((c) => isJourneyRoute(c.route))
        .map((c) => ({ key: `${c.method} ${c.route}`, count: c.value })),
    );
    const served = tally(
      requests
        .filter((r) => r.servedBy === name && isJourneyRoute(r.path))
        .map((r) => ({ key: `${r.method} ${routeOf(r.path)}`, count: 1 })),
    );
    const keys = [...new Set([...counted.keys(), ...served.keys()])].sort();
    const mismatches = keys.filter((key) => counted.get(key) !== served.get(key));
    const listed = keys.map((key) => `${key} ${counted.get(key) ?? 0}/${served.get(key) ?? 0}`);
    return [
      verdict(
        `instance ${name} /metrics counts requests`,
        total > 0,
        `keyturn_http_requests_total = ${total}`,
      ),
      verdict(
        `instance ${name} /metrics counts the journey routes it served`,
        mismatches.length === 0 && served.size > 0,
        `counted/served per nginx: ${listed.join(', ')}`,
      ),
    ];
  });
}
