// APPROVAL_REMINDERS: ages of a wait for the owner's approval in days, ascending, or `none`; read into
// seconds, and any other value refused at start with a message naming the variable and what is wrong.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const day = 86_400;

function problemsOf(value: string): string[] {
  try {
    loadConfig({ APPROVAL_REMINDERS: value });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected APPROVAL_REMINDERS=${value} to be refused`);
}

describe('APPROVAL_REMINDERS', () => {
  it('unset › reminds after 2 and 7 days', () => {
    expect(loadConfig({}).relay.approvalReminders).toEqual([2 * day, 7 * day]);
  });

  it.each([
    ['3', [3 * day]],
    ['1,3,10', [day, 3 * day, 10 * day]],
    [' 0.5 , 2 ', [day / 2, 2 * day]],
    ['none', []],
    ['NONE', []],
  ])('%j › reads the ages in seconds', (value, seconds) => {
    expect(loadConfig({ APPROVAL_REMINDERS: value }).relay.approvalReminders).toEqual(seconds);
  });

  it.each([
    ['0', /"0" is not a positive number of days/],
    ['-2', /"-2" is not a positive number of days/],
    ['two', /"two" is not a positive number of days/],
    ['2,,7', /"" is not a positive number of days/],
    ['2;7', /"2;7" is not a positive number of days/],
    ['1e3', /"1e3" is not a positive number of days/],
    ['7,2', /ascending, and 2 does not come after 7/],
    ['2,2', /ascending, and 2 does not come after 2/],
  ])('%j › refused at start with a clear message', (value, message) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^APPROVAL_REMINDERS: /);
    expect(problems[0]).toMatch(message);
  });

  it('a bad value is listed beside the other problems, not instead of them', () => {
    try {
      loadConfig({ APPROVAL_REMINDERS: '7,2', RELAY_POLL_MS: 'often' });
      expect.unreachable();
    } catch (error) {
      const problems = (error as ConfigError).problems.map((problem) => problem.split(':')[0]).sort();
      expect(problems).toEqual(['APPROVAL_REMINDERS', 'RELAY_POLL_MS']);
    }
  });
});
