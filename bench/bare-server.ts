/**
 * The reference server of the warm-metadata benchmark: plain node:http, a Basic header checked
 * against a Map, then fixed bytes. Run as `node dist/bench/bare-server.js <spec.json>`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

interface Spec {
  readonly port: number;
  readonly authorizations: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Spec;
const keys = new Map<string, boolean>(spec.authorizations.map((a) => [a, true]));
const body = Buffer.from(spec.body, 'base64');
const headers = { ...spec.headers, 'content-length': String(body.length) };

const server = createServer((req, res) => {
  if (req.url === '/') {
    res.end('ok');
    return;
  }
  if (keys.get(req.headers.authorization ?? '') !== true) {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="bare"' });
    res.end();
    return;
  }
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(spec.port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
