// Reading a JSON API's query string: each parameter at most once (a repeated one is a problem), an empty
// one as absent, every problem collected so that one 400 lists them all, each naming its parameter
// (`pointer: /name`) with its message from `namespace:problems.<code>`.
import { InvalidInput, type Problem } from '../errors.ts';

export type Query = Record<string, string | string[] | undefined>;

export function queryParameters(query: Query, namespace: string) {
  const problems: Problem[] = [];
  const problem = (parameter: string, code: string, messageValues?: Record<string, unknown>) => {
    problems.push({
      pointer: `/${parameter}`,
      code,
      messageKey: `${namespace}:problems.${code}`,
      ...(messageValues ? { messageValues } : {}),
    });
  };
  /** The parameter's one value; undefined when absent, empty or repeated (a problem). */
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) {
      problem(name, 'repeated_parameter', { parameter: name });
      return undefined;
    }
    return value === '' ? undefined : value;
  };
  return {
    problem,
    single,
    /** The parameter as `parse` reads it; absent → undefined, unreadable (undefined) → the problem `code`. */
    valid<T>(name: string, parse: (raw: string) => T | undefined, code: string): T | undefined {
      const raw = single(name);
      if (raw === undefined) return undefined;
      const value = parse(raw);
      if (value === undefined) problem(name, code);
      return value;
    },
    /** A page size from 1 to `max` (`invalid_limit` otherwise); undefined when absent. */
    limit(name: string, max: number): number | undefined {
      const raw = single(name);
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (/^\d+$/.test(raw) && value >= 1 && value <= max) return value;
      problem(name, 'invalid_limit', { max });
      return undefined;
    },
    /** Throws one 400 with every problem found, if any. */
    refuseProblems(): void {
      if (problems.length > 0)
        throw new InvalidInput({ messageKey: `${namespace}:errors.invalid_request`, problems });
    },
  };
}
