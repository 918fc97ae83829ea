// OpenID provider for the identity tests. It listens on 127.0.0.1 only, at the port given as the first
// argument, and prints "IDP READY port=<port>" once it accepts connections. SIGTERM stops it.
//
// Test-only routes, handled before the provider gets the request:
//   POST /_test/rotate  replaces the signing key with a new one; the old key's kid is no longer published.
//   GET  /_test/stats   returns {"jwksRequests": n, "kid": "..."}.
//
// oidc-provider fixes its key set when a Provider is built, so a rotation builds a new Provider.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number.parseInt(process.argv[2] ?? '', 10);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error('usage: node idp.mjs <port>');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
const resource = 'https://api.fcp.test';
const resourceScopes = 'items:read items:write';

// EC keys: RSA generation blocks for hundreds of milliseconds.
let keyGeneration = 0;
function newSigningKey() {
  keyGeneration += 1;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: `idp-key-${keyGeneration}`, use: 'sig', alg: 'ES256' };
}

function buildProvider(signingKey) {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'contractor-a',
        client_secret: 'contractor-a-secret-for-tests-only',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: resourceScopes,
        // The only key is EC, and the client default (RS256) would fail metadata validation.
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signingKey] },
    scopes: resourceScopes.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: resourceScopes,
          audience: resource,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  return provider;
}

let signingKey = newSigningKey();
let handler = buildProvider(signingKey).callback();
let jwksRequests = 0;

const server = http.createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/_test/rotate' && req.method === 'POST') {
    signingKey = newSigningKey();
    handler = buildProvider(signingKey).callback();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: signingKey.kid }));
    return;
  }

  if (path === '/_test/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jwksRequests, kid: signingKey.kid }));
    return;
  }

  if (path === '/jwks') {
    jwksRequests += 1;
  }

  handler(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`IDP READY port=${port}`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
