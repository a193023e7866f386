// What a `keyturn` command is: its usage line and what it does with the container and its arguments. A
// command returns the JSON document it prints; problems are thrown (UsageError: exit 2, with the usage).
import type { Container } from '../container.ts';

export interface Command {
  usage: string;
  run(container: Container, args: string[]): Promise<unknown>;
}

export class UsageError extends Error {}

/** A whole number given as an option, or `fallback` when absent. */
export function count(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new UsageError(`${name} must be a whole number above 0`);
  return parsed;
}

export const isoTime = (epochMs: number | null) =>
  epochMs === null ? null : new Date(epochMs).toISOString();
