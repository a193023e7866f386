// A lean HTTP "browser" for journey load: path-aware cookie jar, manual redirects, form posts with hidden fields.
export interface Page {
  url: string;
  status: number;
  html: string;
  location: string | null;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class Browser {
  private cookies: Cookie[] = [];
  requests = 0;

  constructor(private readonly stopAt: (url: string) => boolean) {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((cookie) => url.pathname.startsWith(cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  private remember(headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      const pathAttribute = attributes.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttribute ? pathAttribute.slice(5) : '/';
      const expired =
        value === '' ||
        attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now());
      this.cookies = this.cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  async request(url: string, form?: Record<string, string>): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = {
      cookie: this.cookieHeader(target),
      'accept-language': 'en',
      accept: 'text/html',
    };
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    this.requests++;
    const response = await fetch(target, {
      method: form ? 'POST' : 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    this.remember(response.headers);
    const html = await response.text();
    if (response.status >= 400)
      throw new Error(`${response.status} on ${target.pathname}: ${html.slice(0, 300)}`);
    return { url: target.href, status: response.status, html, location: response.headers.get('location') };
  }

  /** Follows redirects until a page renders or the next URL is the app's redirect URI (returned as `url`). */
  async follow(url: string, form?: Record<string, string>): Promise<Page> {
    let page = await this.request(url, form);
    for (let hops = 0; hops < 10 && page.status >= 300 && page.status < 400; hops++) {
      const next = new URL(page.location ?? '', page.url).href;
      if (this.stopAt(next)) return { ...page, url: next };
      page = await this.request(next);
    }
    return page;
  }

  /** Submits the form whose action contains `actionPart` (or the first form), adding its hidden inputs. */
  submit(page: Page, fields: Record<string, string>, actionPart?: string): Promise<Page> {
    const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((match) => !actionPart || match[1]?.includes(actionPart));
    if (!form) throw new Error(`no form ${actionPart ?? ''} on ${page.url}`);
    const hidden: Record<string, string> = {};
    for (const input of (form[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name) hidden[name] = decode(value ?? '');
    }
    return this.follow(new URL(decode(form[1] ?? ''), page.url).href, { ...hidden, ...fields });
  }
}

function decode(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}
