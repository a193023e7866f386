// Which new passwords are refused, and why (NIST SP 800-63B §5.1.1.2): too short or long, blank, or one
// that is easily guessed, in English or German, or made of the owner's own address. Passphrases pass.
import { describe, expect, it } from 'vitest';
import { checkNewPassword } from '../../src/security/password-rules.ts';

const owner = { email: 'Jana.Schmidt@example.com' };

describe('password rules', () => {
  it.each([
    ['no value at all', 'missing', undefined],
    ['an empty string', 'missing', ''],
    ['a list of values (a repeated form field)', 'missing', ['correct horse', 'battery staple']],
    ['7 characters', 'too_short', 'kx7#pq2'],
    ['7 characters that are 14 UTF-16 units', 'too_short', '🐕🐈🐇🦊🐻🐼🐨'],
    ['1025 characters', 'too_long', 'correct horse battery staple '.repeat(36).slice(0, 1025)],
    ['eight spaces', 'blank', '        '],
    ['tabs, a newline and no-break spaces', 'blank', ' \t\n\u00a0\u3000\t\t '],
    ['zero-width spaces', 'blank', '\u200b'.repeat(8)],
    ['one of the ten most common', 'common', '12345678'],
    ['a common password with a digit', 'common', 'password1'],
    ['a common German password', 'common', 'Passwort!'],
    ['a common password in look-alike characters', 'common', 'P@ssw0rd'],
    ['a German keyboard row', 'keyboard_pattern', 'qwertzuiop'],
    ['a keyboard row with digits added', 'keyboard_pattern', 'Qwertz123'],
    ['one repeated character', 'repeated', 'aaaaaaaa'],
    ['a repeated group', 'repeated', 'abcabcabc'],
    ['the alphabet in order', 'sequence', 'abcdefgh'],
    ['digits counting down', 'sequence', '98765432'],
    ['a date', 'dates', '01.02.1987'],
    ['a German word by itself', 'words', 'Schmetterling'],
    ['a German word with a digit added', 'words', 'Kartoffel1'],
    ['a name with a year added', 'words', 'Sommer2024'],
    ['the owner’s email address', 'personal', 'jana.schmidt@example.com'],
    ['the owner’s address before the @, twice', 'personal', 'jana.schmidtjana.schmidt'],
    ['the name of the service', 'personal', 'Keyturn!'],
    ['two common German words', 'guessable', 'meinauto'],
  ])('checkNewPassword › refuses %s as %s', async (_, problem, value) => {
    expect(await checkNewPassword(value, owner)).toEqual({ ok: false, problem });
  });

  it.each([
    ['eight random characters', 'kx7#pq2m'],
    ['a passphrase of four English words', 'correct horse battery staple'],
    ['a passphrase of German words', 'Zebra Kaffeetasse Wolke'],
    ['a sentence with an emoji', 'Der Hund bellt laut 🐕'],
    ['eight emoji', '🐕🐈🐇🦊🐻🐼🐨🐯'],
    ['spaces around a good password (kept as typed)', '  kx7#pq2m  '],
    ['1024 characters', 'Zebra Kaffeetasse Wolke '.repeat(43).slice(0, 1024)],
  ])('checkNewPassword › accepts %s, unchanged', async (_, value) => {
    expect(await checkNewPassword(value, owner)).toEqual({ ok: true, password: value });
  });

  it('checkNewPassword › refuses the owner’s address only for that owner', async () => {
    const address = 'jana.schmidt@example.com';
    expect(await checkNewPassword(address, owner)).toEqual({ ok: false, problem: 'personal' });
    expect(await checkNewPassword(address, { email: 'someone.else@example.org' })).toEqual({
      ok: true,
      password: address,
    });
  });

  it('checkNewPassword › estimates a 1024-character passphrase within a second', async () => {
    await checkNewPassword('warm up the estimator');
    const slow = 'word00 ok word01 ok word02 ok word03 ok word04 ok word05 ok '.repeat(17).slice(0, 1024);
    const started = performance.now();
    expect((await checkNewPassword(slow)).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
