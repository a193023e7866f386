// The clearance's states and moves as Markdown tables, made from the state machine itself, for
// docs/relay.md (a test keeps the docs in step): no second copy of the rules to drift.
import { clearanceEvents, transition } from './state-machine.ts';
import { authorizationStatus, clearanceStatuses, isRetryable, isTerminal, mayDataFlow } from './status.ts';

export function statusTable(): string {
  const rows = [
    '| clearance status | authorization_status | introspection | may end? |',
    '| --- | --- | --- | --- |',
  ];
  for (const status of clearanceStatuses) {
    const ends = isTerminal(status) ? 'terminal' : isRetryable(status) ? 'retryable (requested again)' : '–';
    const active = mayDataFlow(status) ? 'active' : '`{"active":false}`';
    rows.push(`| \`${status}\` | \`${authorizationStatus(status)}\` | ${active} | ${ends} |`);
  }
  return rows.join('\n');
}

export function movesTable(): string {
  const rows = ['| event | moves (from → to) |', '| --- | --- |'];
  for (const event of clearanceEvents) {
    const moves = clearanceStatuses.flatMap((from) => {
      const result = transition(from, event);
      return result.ok && result.changed ? [`\`${from}\` → \`${result.to}\``] : [];
    });
    rows.push(`| \`${event}\` | ${moves.join(', ') || '–'} |`);
  }
  return rows.join('\n');
}
