// The MCP client of examples/mcp's end-to-end test: the official TypeScript SDK's
// StreamableHTTPClientTransport with an in-memory OAuthClientProvider, against the Go
// server's /mcp. It talks to the test in JSON lines:
//
//   stdout {"event":"authorize","url":…}   the SDK wants the person at this URL
//   stdin  <the callback URL>              where the browser landed: code and state
//   stdout {"event":"tools","names":[…]}   after connecting
//   stdout {"event":"result","call":1,…}   notes.search's structured result
//   stdout {"event":"waiting"}             ready for the second call
//   stdin  "again"                         the test expired the access token meanwhile
//   stdout {"event":"result","call":2,…}   the same call, after the SDK's refresh
//   stdout {"event":"done","refreshed":…}
//   stdout {"event":"error","message":…}   whatever failed, then exit 1
//
// node client.mjs --server http://127.0.0.1:PORT/mcp --redirect http://127.0.0.1:PORT/callback

import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const { values: args } = parseArgs({ options: { server: { type: 'string' }, redirect: { type: 'string' } } });
const say = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + '\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const nextLine = async () => {
  const { value, done } = await lines.next();
  if (done) throw new Error('stdin closed');
  return value.trim();
};

// An OAuthClientProvider that keeps everything in memory, as a command-line client would
// keep it in a file.
class MemoryProvider {
  constructor(redirect) {
    this.redirect = redirect;
    this.expectedState = crypto.randomUUID();
    this.saved = {};
    this.tokensSaved = 0;
  }
  get redirectUrl() { return this.redirect; }
  get clientMetadata() {
    return {
      client_name: 'oauthkit e2e MCP client',
      redirect_uris: [this.redirect],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() { return this.expectedState; }
  clientInformation() { return this.saved.client; }
  saveClientInformation(info) { this.saved.client = info; }
  tokens() { return this.saved.tokens; }
  saveTokens(tokens) { this.saved.tokens = tokens; this.tokensSaved++; }
  redirectToAuthorization(url) { say('authorize', { url: url.href }); }
  saveCodeVerifier(v) { this.saved.verifier = v; }
  codeVerifier() { return this.saved.verifier; }
  saveDiscoveryState(s) { this.saved.discovery = s; }
  discoveryState() { return this.saved.discovery; }
}

const search = async (client, call) => {
  const res = await client.callTool({ name: 'notes.search', arguments: { query: 'milk' } });
  if (res.isError) throw new Error('notes.search failed: ' + JSON.stringify(res.content));
  say('result', { call, structured: res.structuredContent });
};

async function main() {
  const provider = new MemoryProvider(args.redirect);
  const serverUrl = new URL(args.server);
  let client = new Client({ name: 'oauthkit-e2e', version: '1.0.0' });
  let transport = new StreamableHTTPClientTransport(serverUrl, { authProvider: provider });
  try {
    await client.connect(transport);
    throw new Error('connected without authorization');
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
  }
  const callback = new URL(await nextLine());
  if (callback.searchParams.get('state') !== provider.expectedState) throw new Error('state mismatch: ' + callback.href);
  await transport.finishAuth(callback.searchParams.get('code'));

  // Connect again, with the token.
  client = new Client({ name: 'oauthkit-e2e', version: '1.0.0' });
  transport = new StreamableHTTPClientTransport(serverUrl, { authProvider: provider });
  await client.connect(transport);
  const { tools } = await client.listTools();
  say('tools', { names: tools.map((t) => t.name) });
  await search(client, 1);

  const before = provider.tokensSaved;
  say('waiting');
  if ((await nextLine()) !== 'again') throw new Error('expected "again"');
  await search(client, 2);
  say('done', { refreshed: provider.tokensSaved > before });
  await client.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    say('error', { message: String(e?.message ?? e), name: e?.constructor?.name, code: e?.code });
    process.exit(1);
  },
);
