import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Router } from 'express';
import { pageCss } from './static/page-css.js';
import { pageJs } from './static/page-js.js';

interface Asset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

function asset(name: string, extension: string, type: string, text: string): Asset {
  const body = Buffer.from(text.trim() + '\n', 'utf8');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/static/${name}.${hash}.${extension}`, type, body, gzip: gzipSync(body), etag: `"${hash}"` };
}

const css = asset('page', 'css', 'text/css; charset=utf-8', pageCss);
const js = asset('page', 'js', 'text/javascript; charset=utf-8', pageJs);

/** URLs of the stylesheet and the script; the content hash in the name lets browsers keep them for a year. */
export const assetUrls = { css: css.path, js: js.path } as const;

/** Serves the two assets from memory (gzipped when accepted), immutable under their hashed names. */
export function staticRoutes(): Router {
  const router = Router();
  for (const item of [css, js]) {
    router.get(item.path, (req, res) => {
      res.setHeader('Content-Type', item.type);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('ETag', item.etag);
      res.setHeader('Vary', 'Accept-Encoding');
      res.setHeader('X-Content-Type-Options', 'nosniff');
      if (req.headers['if-none-match'] === item.etag) {
        res.status(304).end();
        return;
      }
      const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
      if (gzip) res.setHeader('Content-Encoding', 'gzip');
      res.end(gzip ? item.gzip : item.body);
    });
  }
  return router;
}
