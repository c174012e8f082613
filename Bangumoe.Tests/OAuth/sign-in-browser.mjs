// A browser, as far as Bangumoe's login and consent pages need one (cookies and hidden form fields), for the node
// scripts that play a third-party app: it signs the person in, allows, and returns the redirect back to the app.
const decode = (s) => s.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
  .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function hiddenFields(html) {
  const fields = new URLSearchParams();
  // Only the page's own form, in <main>: the layout's header has forms of its own (language switch, sign-out).
  const main = html.slice(Math.max(0, html.indexOf('<main')));
  for (const m of main.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)" ?\/?>/g)) fields.append(decode(m[1]), decode(m[2]));
  return fields;
}

/** Follows `authorize` through sign-in and consent; returns the URL Bangumoe sends the browser back to. */
export async function signInAndAllow(issuer, authorize, login, password) {
  const cookies = new Map();
  async function browse(url, init = {}) {
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    return response;
  }
  async function submit(pageResponse, extra) {
    if (pageResponse.status !== 200) throw new Error(`expected a page, got ${pageResponse.status}: ${await pageResponse.text()}`);
    const fields = hiddenFields(await pageResponse.text());
    for (const [k, v] of Object.entries(extra)) fields.set(k, v);
    return browse(new URL('/oauth/authorize', issuer), { method: 'POST', body: fields });
  }

  const loginPage = await browse(authorize);
  const afterLogin = await submit(loginPage, { action: 'login', login, password });
  if (afterLogin.status !== 303) throw new Error(`login answered ${afterLogin.status}, not 303`);
  const consentPage = await browse(new URL(afterLogin.headers.get('location'), issuer));
  const allowed = await submit(consentPage, { action: 'allow' });
  if (allowed.status !== 303) throw new Error(`consent answered ${allowed.status}, not 303`);
  return new URL(allowed.headers.get('location'));
}
