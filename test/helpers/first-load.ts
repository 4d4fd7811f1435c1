// A browser's first load of the installer's URL, without a browser: follows redirects and keeps the
// cookies the service sets on the way, as a browser would; returns the final status and page.
export async function firstLoad(start: string): Promise<{ status: number; html: string }> {
  let url = start;
  let cookie = '';
  for (let hop = 0; hop < 5; hop++) {
    const r = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    const set = r.headers.getSetCookie();
    if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
    if (r.status < 300 || r.status >= 400) return { status: r.status, html: await r.text() };
    url = new URL(r.headers.get('location') ?? '/', url).href;
  }
  throw new Error(`${start}: more than 5 redirects`);
}
