// What Keyturn accepts as an owner's email address: something@domain.tld, at most 254 characters (the
// longest address SMTP can carry). Whether it exists is for the mail to find out.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && emailPattern.test(value);
}
