// A path-aware cookie jar for the tests' and the benchmark's HTTP browsers (RFC 6265, the parts Keyturn uses).
interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export class CookieJar {
  private cookies: StoredCookie[] = [];

  /** The Cookie header for `url`, leaving out the cookies named in `except`. */
  header(url: URL, except: readonly string[] = []): string {
    return this.cookies
      .filter((cookie) => url.pathname.startsWith(cookie.path) && !except.includes(cookie.name))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  remember(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      const pathAttribute = attributes.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttribute ? pathAttribute.slice(5) : url.pathname.replace(/\/[^/]*$/, '') || '/';
      const expired =
        value === '' ||
        attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now());
      this.cookies = this.cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }
}
