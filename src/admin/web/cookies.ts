import type { TLSSocket } from 'node:tls';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Request, Response } from 'express';

/** The request's cookies by name. */
export function readCookies(req: Request): Record<string, string | undefined> {
  const header = req.headers.cookie;
  return header === undefined ? {} : parseCookie(header);
}

/**
 * Whether the page is served over HTTPS: directly, or (per X-Forwarded-Proto) behind a TLS
 * terminator. Trusting the header is safe here: it only ever adds `Secure`, which a client could
 * only use against itself.
 */
export function servedOverHttps(req: Request): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

/** Sets an HttpOnly, SameSite=Lax cookie on `/` (Secure over HTTPS); `maxAgeSeconds` 0 deletes it. */
export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
  res.append(
    'Set-Cookie',
    stringifySetCookie({
      name,
      value,
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: servedOverHttps(req),
      maxAge: maxAgeSeconds,
    }),
  );
}

export function clearCookie(req: Request, res: Response, name: string): void {
  setCookie(req, res, name, '', 0);
}
