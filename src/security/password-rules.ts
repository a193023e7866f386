// Which new passwords Keyturn accepts, after NIST SP 800-63B §5.1.1.2: at least 8 characters (Unicode code
// points) and at most 1024, not only blanks, and not one an attacker tries early: common and breached
// passwords, words and names (English and German), keyboard rows, repeats, sequences and dates, or the
// owner's own email address and the service's name, as zxcvbn-ts estimates them. No composition rules;
// long passphrases are welcome.
import type { TranslationKeys, ZxcvbnFactory } from '@zxcvbn-ts/core';
import { maximumPasswordLength, minimumPasswordLength } from './passwords.ts';

export type PasswordProblem =
  | 'missing'
  | 'too_short'
  | 'too_long'
  | 'blank'
  | 'common'
  | 'keyboard_pattern'
  | 'repeated'
  | 'sequence'
  | 'dates'
  | 'words'
  | 'personal'
  | 'guessable';

type Warning = keyof TranslationKeys['warnings'];

/**
 * At least 10^7 estimated guesses, inside zxcvbn's "somewhat guessable" band (10^6 to 10^8): its lower end
 * still lets a common password with digits added through (schatzi123), and its upper end, "safely
 * unguessable", would refuse every 8-character password, which the minimum length admits.
 */
const minimumGuessesLog10 = 7;

/**
 * Only the first 64 characters are estimated (800-63B asks verifiers to take at least 64): estimating is
 * synchronous, and its cost grows steeply with length, into seconds at zxcvbn's default of 256.
 */
const estimatedLength = 64;

/** zxcvbn's warnings (its translation keys, as no translations are loaded) as Keyturn's problems. */
const problemOfWarning: Record<Warning, PasswordProblem> = {
  topTen: 'common',
  topHundred: 'common',
  common: 'common',
  similarToCommon: 'common',
  pwned: 'common',
  straightRow: 'keyboard_pattern',
  keyPattern: 'keyboard_pattern',
  simpleRepeat: 'repeated',
  extendedRepeat: 'repeated',
  sequences: 'sequence',
  recentYears: 'dates',
  dates: 'dates',
  wordByItself: 'words',
  namesByThemselves: 'words',
  commonNames: 'words',
  userInputs: 'personal',
};

/** Words of the context an attacker tries first (800-63B: "context-specific words"). */
const serviceWords = ['keyturn'];

let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * The estimator, built once per process on first use: ranking the dictionaries takes a few hundred
 * milliseconds, and processes that never set a password (the worker, the CLI) need not load them at all.
 */
function passwordEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en, de] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
      import('@zxcvbn-ts/language-de'),
    ]);
    // The German package names its lists without a language suffix; suffixed like the English ones, so
    // names stay apart and zxcvbn still recognises each list's kind (names, wikipedia) by its name.
    const german = Object.fromEntries(
      Object.entries(de.dictionary).map(([name, words]) => [`${name}-de`, words]),
    );
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary, ...german },
      graphs: common.adjacencyGraphs,
      maxLength: estimatedLength,
      // Trying more look-alike substitutions (a→@, o→0) multiplies the time spent; real passwords use few.
      l33tMaxSubstitutions: 8,
    });
  })();
  return estimator;
}

/** Space, and characters that show nothing (zero-width, soft hyphen): a password of only these is blank. */
const blank = /^[\s\p{Default_Ignorable_Code_Point}]*$/u;

export type PasswordCheck = { ok: true; password: string } | { ok: false; problem: PasswordProblem };

/** A form's value checked as a new password: the password, or why it may not be set. */
export async function checkNewPassword(
  value: unknown,
  /** The owner's email address, a word to avoid. */
  context: { email?: string } = {},
): Promise<PasswordCheck> {
  const refuse = (problem: PasswordProblem): PasswordCheck => ({ ok: false, problem });
  if (typeof value !== 'string' || value.length === 0) return refuse('missing');
  // The upper bound counts UTF-16 units, as sign-in does, so nothing set here is refused there.
  if (value.length > maximumPasswordLength) return refuse('too_long');
  if ([...value].length < minimumPasswordLength) return refuse('too_short');
  if (blank.test(value)) return refuse('blank');
  const email = context.email?.trim().toLowerCase();
  const userInputs = email ? [email, email.split('@')[0] ?? '', ...serviceWords] : serviceWords;
  const estimate = (await passwordEstimator()).check(value, userInputs);
  if (estimate.guessesLog10 >= minimumGuessesLog10) return { ok: true, password: value };
  const warning = estimate.feedback.warning as Warning | null;
  if (warning) return refuse(problemOfWarning[warning] ?? 'guessable');
  // zxcvbn warns of a word only from some of its lists, and not of a word with digits or symbols added.
  const words = estimate.sequence.filter((match) => match.pattern === 'dictionary');
  return refuse(words.length === 1 ? 'words' : 'guessable');
}
