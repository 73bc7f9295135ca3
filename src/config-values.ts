import { z } from 'zod';
import { assertCidr } from './registry/validation.js';
import type { RedisNode } from './config.js';

/** The schemas of single configuration values, which src/config.ts assembles into the environment's. */

export const wholeNumber = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().max(max, `must be at most ${max}`));
export const port = wholeNumber(65535);
export const seconds = wholeNumber(10 * 365 * 24 * 3600);
export const optionalString = z.string().min(1).optional();
/** A value sent as an HTTP header: printable characters only (no line breaks), at most 512. */
export const headerValue = z
  .string()
  .trim()
  .min(1)
  .max(512, 'must be at most 512 characters')
  .regex(/^[\x20-\x7e\x80-\xff]+$/, 'must be printable characters on one line (no control characters)');
export const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');
/**
 * An http(s) URL without `user:password@`: what a URL setting holds is logged at start-up, so
 * credentials go in variables of their own (`instead`).
 */
export const httpUrlWithoutCredentials = (instead: string) =>
  httpUrl.refine((u) => {
    const url = URL.parse(u);
    return url === null || (url.username === '' && url.password === '');
  }, `must not hold credentials (user:password@); ${instead}`);

/** `host[:port],…` (IPv6 hosts in brackets) → `host:port` keys, lowercase; a host alone stands for ports 80 and 443. */
export const hostList = z.string().transform((text, ctx) => {
  const keys: string[] = [];
  for (const part of text.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p.length > 0)) {
    const match = /^((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(part);
    if (!match || Number(match[2] ?? 0) > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not host or host:port` });
      return z.NEVER;
    }
    const host = match[1]!;
    keys.push(...(match[2] === undefined ? [`${host}:80`, `${host}:443`] : [`${host}:${Number(match[2])}`]));
  }
  return keys;
});

/** `host:port,host:port` (IPv6 hosts in brackets) → a list of nodes. */
export const hostPortList = z
  .string()
  .transform((text, ctx) => {
    const nodes: RedisNode[] = [];
    for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
      const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(part);
      if (!match || Number(match[2]) > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not host:port` });
        return z.NEVER;
      }
      nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) });
    }
    if (nodes.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one host:port' });
    return nodes;
  });

/** `10.0.0.0/8, 2001:db8::/32, 192.0.2.7` → networks as `address/prefix` (an address alone is one host). */
export const cidrList = z.string().transform((text, ctx) => {
  const networks: string[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    try {
      networks.push(assertCidr(part));
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not an address or CIDR such as 10.0.0.0/8 or 2001:db8::/32` });
      return z.NEVER;
    }
  }
  return networks;
});
