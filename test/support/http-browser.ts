// A minimal browser over real HTTP for journey tests: a cookie jar (path-aware), manual redirects, and
// form posts that carry the page's CSRF token, as a person's browser would.
export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export class HttpBrowser {
  private cookies: StoredCookie[] = [];
  acceptLanguage = 'en';

  constructor(private readonly stopAt: (url: URL) => boolean = () => false) {}

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((cookie) => url.pathname.startsWith(cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  private remember(url: URL, headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const index = pair.indexOf('=');
      const name = pair.slice(0, index);
      const value = pair.slice(index + 1);
      const pathAttribute = attributes.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttribute ? pathAttribute.slice(5) : url.pathname.replace(/\/[^/]*$/, '') || '/';
      const expired =
        attributes.some((a) => /^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()) ||
        value === '';
      this.cookies = this.cookies.filter((cookie) => !(cookie.name === name && cookie.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  /** Sends one request without following redirects. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string | undefined> } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = {
      cookie: this.cookieHeader(target),
      'accept-language': this.acceptLanguage,
      accept: 'text/html',
    };
    let body: string | undefined;
    if (init.form) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(init.form))
        if (value !== undefined) params.append(key, value);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.remember(target, response.headers);
    return {
      url: target.href,
      status: response.status,
      html: await response.text(),
      headers: response.headers,
    };
  }

  /** Follows redirects until a page is rendered, or until `stopAt` says a URL is the app's redirect URI. */
  async follow(
    url: string,
    init: { method?: string; form?: Record<string, string | undefined> } = {},
  ): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; hops < 10 && page.status >= 300 && page.status < 400; hops++) {
      const next = new URL(page.headers.get('location') ?? '', page.url);
      if (this.stopAt(next)) return { ...page, url: next.href };
      page = await this.request(next.href);
    }
    return page;
  }

  /** Submits the page's form (the first one, or the one whose action contains `actionPart`). */
  async submit(page: Page, fields: Record<string, string | undefined>, actionPart?: string): Promise<Page> {
    const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((match) => !actionPart || match[1]?.includes(actionPart));
    if (!form) throw new Error(`no form${actionPart ? ` with action ${actionPart}` : ''} on ${page.url}`);
    const hidden: Record<string, string> = {};
    for (const input of (form[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]+)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name) hidden[name] = decodeEntities(value ?? '');
    }
    const action = new URL(decodeEntities(form[1] ?? ''), page.url).href;
    return this.follow(action, { method: 'POST', form: { ...hidden, ...fields } });
  }
}

export function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

export function textOf(html: string): string {
  return decodeEntities(html.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}
