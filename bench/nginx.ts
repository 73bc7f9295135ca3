/**
 * The reference for warm installs: Debian's nginx with `proxy_cache` in front of the same upstream,
 * adding the upstream's Basic credentials itself and rewriting the upstream's host in JSON bodies to
 * its own with `sub_filter`. Run as a child process with a generated config in a temporary directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/redis.js';

export const nginxBinary = '/usr/sbin/nginx';

export function nginxAvailable(): boolean {
  return spawnSync(nginxBinary, ['-v'], { stdio: 'ignore' }).status === 0;
}

export interface NginxProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startNginxCache(upstream: { url: string; username: string; password: string }): Promise<NginxProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'repogate-bench-nginx-'));
  for (const sub of ['cache', 'temp', 'client_body', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub));
  const port = await freePort();
  const up = new URL(upstream.url);
  const self = `http://127.0.0.1:${port}`;
  const credentials = Buffer.from(`${upstream.username}:${upstream.password}`).toString('base64');
  // The upstream's JSON escapes slashes (PHP's json_encode), so its URLs read http:\/\/host:port.
  const escaped = (url: string): string => url.replace(/\//g, '\\\\/');
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/temp;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=repo:32m max_size=4g inactive=1d use_temp_path=off;
  gzip on;
  gzip_types application/json;
  gzip_min_length 1024;
  upstream repository {
    server ${up.host};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://repository;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host ${up.host};
      proxy_set_header Authorization "Basic ${credentials}";
      proxy_set_header Accept-Encoding "";
      proxy_cache repo;
      proxy_cache_key $request_uri;
      proxy_cache_valid 200 1d;
      proxy_cache_valid 404 1m;
      proxy_cache_lock on;
      proxy_ignore_headers Cache-Control Expires Set-Cookie Vary;
      sub_filter '${escaped(upstream.url)}' '${escaped(self)}';
      sub_filter '${upstream.url}' '${self}';
      sub_filter_once off;
      sub_filter_types application/json;
    }
  }
}
`;
  const confFile = join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  const child: ChildProcess = spawn(nginxBinary, ['-p', dir, '-c', confFile, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    try {
      await (await fetch(`${self}/nginx-bench-ready`)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx does not answer: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url: self,
    async close() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
