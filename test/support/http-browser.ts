// A minimal browser over real HTTP for journey tests: a cookie jar (path-aware), manual redirects, and
// form posts that carry the page's CSRF token, as a person's browser would.
import { CookieJar } from './cookie-jar.ts';

export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

export class HttpBrowser {
  private readonly jar = new CookieJar();
  acceptLanguage = 'en';
  /** Sent with every request (e.g. the X-Forwarded-For a proxy would add). */
  extraHeaders: Record<string, string> = {};
  /** Requests sent so far (the benchmark counts a journey's requests). */
  requests = 0;

  constructor(private readonly stopAt: (url: URL) => boolean = () => false) {}

  /** The Cookie header this browser sends to `url` (a test copies it to act as someone who stole it). */
  cookiesFor(url: string): string {
    return this.jar.header(new URL(url));
  }

  /** Sends one request without following redirects; `withoutCookies` leaves those cookies out of it. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string | undefined>; withoutCookies?: string[] } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = {
      cookie: this.jar.header(target, init.withoutCookies),
      'accept-language': this.acceptLanguage,
      accept: 'text/html',
      ...this.extraHeaders,
    };
    let body: string | undefined;
    if (init.form) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(init.form))
        if (value !== undefined) params.append(key, value);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    this.requests++;
    const response = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    this.jar.remember(target, response.headers);
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

  /**
   * Submits the page's multipart form (enctype multipart/form-data) with text fields and files, as a
   * browser uploads them; follows the redirect that answers it.
   */
  async upload(
    page: Page,
    fields: Record<string, string>,
    files: Record<string, { name: string; type: string; bytes: Buffer }>,
    actionPart?: string,
  ): Promise<Page> {
    const { action, hidden } = formOf(page, actionPart);
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...hidden, ...fields })) form.append(name, value);
    for (const [name, file] of Object.entries(files))
      form.append(name, new Blob([file.bytes], { type: file.type }), file.name);
    const target = new URL(action);
    this.requests++;
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        cookie: this.jar.header(target),
        'accept-language': this.acceptLanguage,
        accept: 'text/html',
      },
      body: form,
      redirect: 'manual',
    });
    this.jar.remember(target, response.headers);
    const answered = {
      url: target.href,
      status: response.status,
      html: await response.text(),
      headers: response.headers,
    };
    const location = response.headers.get('location');
    return location && response.status >= 300 && response.status < 400
      ? this.follow(new URL(location, target).href)
      : answered;
  }

  /** Submits the page's form (the first one, or the one whose action contains `actionPart`). */
  async submit(page: Page, fields: Record<string, string | undefined>, actionPart?: string): Promise<Page> {
    const { action, hidden } = formOf(page, actionPart);
    return this.follow(action, { method: 'POST', form: { ...hidden, ...fields } });
  }
}

/** A form on `page` (the first one, or the one whose action contains `actionPart`): its absolute action URL
 * and its hidden fields (the CSRF token among them). */
export function formOf(page: Page, actionPart?: string): { action: string; hidden: Record<string, string> } {
  const forms = [...page.html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((match) => !actionPart || match[1]?.includes(actionPart));
  if (!form) throw new Error(`no form${actionPart ? ` with action ${actionPart}` : ''} on ${page.url}`);
  const hidden: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(input[0])?.[1];
    const value = /value="([^"]*)"/.exec(input[0])?.[1];
    if (name) hidden[name] = decodeEntities(value ?? '');
  }
  return { action: new URL(decodeEntities(form[1] ?? ''), page.url).href, hidden };
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
