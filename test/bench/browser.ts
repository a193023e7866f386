// A lean HTTP "browser" for journey load: path-aware cookie jar, manual redirects, form posts with hidden fields.
import { CookieJar } from '../support/cookie-jar.ts';

export interface Page {
  url: string;
  status: number;
  html: string;
  location: string | null;
}

export class Browser {
  private readonly jar = new CookieJar();
  requests = 0;

  constructor(private readonly stopAt: (url: string) => boolean) {}

  async request(url: string, form?: Record<string, string>): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = {
      cookie: this.jar.header(target),
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
    this.jar.remember(target, response.headers);
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
