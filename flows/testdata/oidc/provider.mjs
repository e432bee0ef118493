// An independent OpenID Connect provider for oauthkit's federated sign-in: panva's
// oidc-provider (an OpenID Certified implementation), configured with one static client and
// the static accounts of accounts.json. The Go end-to-end test (flows/federated_e2e_test.go)
// starts it; the README walk-through uses it as "a second local provider".
//
//   cd flows/testdata/oidc && npm ci
//   node provider.mjs [--port 9000] [--redirect-uri http://127.0.0.1:8080/login/callback]...
//                     [--client-id oauthkit] [--client-secret oauthkit-secret]
//                     [--accounts accounts.json]
//
// It listens on 127.0.0.1 only and prints one line, "issuer http://127.0.0.1:PORT", once it
// is ready. Everything protocol-side is oidc-provider's own: discovery, authorization code
// with PKCE, state and nonce, client authentication, ID tokens signed with the keys of its
// JWKS, userinfo. Only the sign-in page is ours (oidc-provider leaves interactions to the
// application): a plain HTML form checking the password of accounts.json, which a cookie-jar
// HTTP client can fill; consent is implied for the one, first-party client.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'redirect-uri': { type: 'string', multiple: true, default: ['http://127.0.0.1:8080/login/callback'] },
    'client-id': { type: 'string', default: 'oauthkit' },
    'client-secret': { type: 'string', default: 'oauthkit-secret' },
    accounts: { type: 'string', default: resolve(here, 'accounts.json') },
  },
});

// Accounts, by email (the login typed on the sign-in page) and by sub (the account id).
const accounts = JSON.parse(readFileSync(opts.accounts, 'utf8'));
const byEmail = new Map(accounts.map((a) => [a.email.toLowerCase(), a]));
const bySub = new Map(accounts.map((a) => [a.sub, a]));

// Signing keys: fresh for every run, one RSA (RS256, PS256) and one P-256 (ES256) key.
const jwk = (type, options, kid) => ({
  ...generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' }),
  kid,
  use: 'sig',
});
const keys = [
  jwk('rsa', { modulusLength: 2048 }, `rsa-${randomBytes(4).toString('hex')}`),
  jwk('ec', { namedCurve: 'P-256' }, `ec-${randomBytes(4).toString('hex')}`),
];

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Upstream sign-in</title></head>
<body><h1>Upstream provider: sign in</h1>
${error ? `<p class="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Email <input name="login" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${escape(uid)}/abort">Cancel</a></p>
</body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16384) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

// interaction serves /interaction/:uid (the sign-in page), /interaction/:uid/login (its
// form) and /interaction/:uid/abort (the person cancels: access_denied to the client).
async function interaction(provider, req, res, path) {
  const [, , uid, action] = path.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, 'interaction mismatch');
    return;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'the person cancelled the sign-in',
    }, { mergeWithLastSubmission: false });
    return;
  }
  const { prompt, params, session } = details;
  if (prompt.name === 'consent') {
    // The only client is first-party: grant what it asked for without asking.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (prompt.name !== 'login') {
    send(res, 501, 'unsupported prompt');
    return;
  }
  if (action !== 'login' || req.method !== 'POST') {
    send(res, 200, loginPage(uid));
    return;
  }
  const form = await readForm(req);
  const account = byEmail.get((form.get('login') || '').toLowerCase());
  if (!account || account.password !== form.get('password')) {
    send(res, 200, loginPage(uid, 'Wrong email or password.'));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: account.sub } }, {
    mergeWithLastSubmission: false,
  });
}

const server = http.createServer();
server.listen(Number(opts.port), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: opts['client-id'],
      client_secret: opts['client-secret'],
      redirect_uris: opts['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Scopes named by these keys release these claims (in userinfo and, for
    // response_type=id_token only, the ID token: OIDC Core §5.4, which oidc-provider follows).
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      org: ['org_id'],
      roles: ['roles'],
    },
    async findAccount(_ctx, sub) {
      const a = bySub.get(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            email: a.email,
            email_verified: a.email_verified ?? true,
            org_id: a.org_id,
            roles: a.roles,
          };
        },
      };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, i) => `/interaction/${i.uid}` },
    pkce: { required: () => true },
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>error</title><h1>${escape(out.error)}</h1><p>${escape(out.error_description || '')}</p>`;
    },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    const path = new URL(req.url, issuer).pathname;
    if (!path.startsWith('/interaction/')) {
      handle(req, res);
      return;
    }
    interaction(provider, req, res, path).catch((err) => {
      console.error('interaction failed:', err);
      if (!res.headersSent) send(res, 400, escape(err.message));
    });
  });
  console.log(`issuer ${issuer}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}
