/** What the client's Authorization header says, parsed but not yet verified. */
export type PresentedCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

/** Longest Authorization header we look at; a repogate key pair needs about 90 bytes. */
export const maxAuthorizationLength = 1024;

const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses an HTTP Basic Authorization header (RFC 7617) without trusting any of it. */
export function parseBasicAuthorization(header: string | undefined): PresentedCredentials {
  if (header === undefined || header === '') return { kind: 'none' };
  if (header.length > maxAuthorizationLength) return { kind: 'malformed', reason: 'Authorization header too long' };
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'basic') {
    return { kind: 'malformed', reason: 'only HTTP Basic authentication is accepted' };
  }
  const encoded = header.slice(space + 1).trim();
  if (encoded === '' || encoded.length % 4 !== 0 || !base64Pattern.test(encoded)) {
    return { kind: 'malformed', reason: 'Basic credentials are not valid base64' };
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return { kind: 'malformed', reason: 'Basic credentials have no ":" between username and password' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === '' || password === '') {
    return { kind: 'malformed', reason: 'Basic credentials need a public key as username and a private key as password' };
  }
  return { kind: 'basic', username, password };
}
