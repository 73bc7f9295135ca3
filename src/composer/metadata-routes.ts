import type { Request, Response, Router } from 'express';
import { isValidPackageName } from '../registry/rules.js';
import { sendError, sendRendered } from '../http/responses.js';
import { factsOf, requestIdOf } from '../http/request-context.js';
import type { ComposerDeps } from './composer-deps.js';
import { sendDenial } from './denials.js';
import { publicBase } from './public-base.js';
import { packageRenderKey, renderPackage, renderRoot } from './render-metadata.js';

function clientAddress(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** `GET /packages.json` and `GET /p2/{vendor}/{name}.json` / `~dev.json`. */
export function registerMetadataRoutes(router: Router, deps: ComposerDeps): void {
  router.get('/packages.json', async (req: Request, res: Response) => {
    const base = publicBase(req, deps.publicUrl);
    if (base === undefined) return sendError(res, 'BAD_REQUEST', 'missing or invalid Host header');
    const address = clientAddress(req);
    const auth = await deps.access.authenticate(req.headers.authorization, address);
    if (!auth.ok) return sendDenial(res, auth, 'metadata');
    const facts = factsOf(res);
    facts.key = auth.principal;
    const access = deps.access.accountAccess(auth.principal);
    if (!access.ok) return sendDenial(res, access, 'metadata');
    deps.usage.record(auth.principal.publicKey, address);
    const { index, outcome, upstreamMs, confirmedAt } = await deps.repository.index(requestIdOf(res));
    facts.cache = outcome;
    facts.upstreamMs = upstreamMs;
    const rendered = deps.renders.get(`root|${index.revision}|${access.fingerprint}|${base}`, () =>
      renderRoot(index, access, base),
    );
    sendRendered(req, res, rendered, outcome === 'stale' ? { confirmedAt } : undefined);
  });

  router.get('/p2/:vendor/:file', async (req: Request, res: Response) => {
    const vendor = String(req.params['vendor']);
    const file = String(req.params['file']);
    const match = /^(.+?)(~dev)?\.json$/.exec(file);
    const name = match ? `${vendor}/${match[1]}` : undefined;
    if (!match || name === undefined || !isValidPackageName(name)) {
      return sendError(res, 'BAD_REQUEST', 'not a package metadata path: expected /p2/vendor/name.json with a lowercase Composer package name');
    }
    const dev = match[2] !== undefined;
    const base = publicBase(req, deps.publicUrl);
    if (base === undefined) return sendError(res, 'BAD_REQUEST', 'missing or invalid Host header');
    const facts = factsOf(res);
    facts.package = name;
    const address = clientAddress(req);
    const decision = await deps.access.checkAccess({ authorization: req.headers.authorization, address, packageName: name });
    if (!decision.ok) return sendDenial(res, decision, 'metadata');
    facts.key = decision.principal;
    deps.usage.record(decision.principal.publicKey, address);
    const source = await deps.repository.package(name, dev, requestIdOf(res));
    if (!source) return sendError(res, 'NOT_FOUND', `package ${name} not found in the upstream repository`);
    facts.cache = source.outcome;
    facts.upstreamMs = source.upstreamMs;
    deps.usage.activity({
      publicKey: decision.principal.publicKey,
      accountId: decision.principal.accountId,
      action: 'metadata.fetched',
      package: dev ? `${name}~dev` : name,
      address,
    });
    const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () =>
      renderPackage(source, base, deps.rewriter, deps.dists, deps.archives),
    );
    sendRendered(req, res, rendered, source.outcome === 'stale' ? { confirmedAt: source.confirmedAt } : undefined);
  });
}
