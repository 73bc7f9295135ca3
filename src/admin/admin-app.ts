import express, { type Request, type Response } from 'express';
import { composerAuthHost } from '../composer/public-base.js';
import type { Config } from '../config.js';
import { createClientAddress } from '../http/client-address.js';
import { accessLog } from '../http/request-context.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry/registry.js';
import { AdminService } from './admin-service.js';
import { createApiRouter } from './api/api-router.js';
import { Authenticator } from './authenticate.js';
import { OperatorService, type PackageKnown, type PackageNames } from './operator-service.js';
import { SignIn, type SignInLimits } from './sign-in.js';
import { SourceAdmin } from './source-admin.js';
import { OnceGuard } from './web/once.js';
import { resolveSessionSecret, SessionCodec } from './web/session.js';
import { createWebRouter } from './web/web-router.js';

export interface AdminAppDeps {
  readonly logger: Logger;
  readonly registry: Registry;
  readonly config: Config;
  /** The Composer listener's URL once it listens (its port may have been chosen by the system). */
  readonly composerUrl?: () => string;
  /** Failed sign-ins allowed per address and per MAGEID (defaults: 20 and 5 per 15 minutes). */
  readonly signInLimits?: SignInLimits;
  /** Whether the upstream has a package, for `GET /api/v1/access/explain`. */
  readonly packageKnown?: PackageKnown;
  /** The upstream's package names, for the operator's rule preview. */
  readonly packageNames?: PackageNames;
}

/**
 * Where developers point Composer, for the page's auth.json snippet and repository hint: the host of
 * REPOGATE_PUBLIC_URL, else `localhost:<port>` as the CLI prints it (with the port actually listened on).
 */
function composerLocation(config: Config, composerUrl: (() => string) | undefined): { host: () => string; url: () => string } {
  if (config.publicUrl !== undefined) {
    const publicUrl = config.publicUrl;
    return { host: () => composerAuthHost(config), url: () => publicUrl };
  }
  const port = (): string => {
    const listening = composerUrl?.();
    return listening === undefined ? String(config.port) : new URL(listening).port || String(config.port);
  };
  return { host: () => `localhost:${port()}`, url: () => `http://localhost:${port()}` };
}

/**
 * The admin listener (REPOGATE_ADMIN_PORT): `GET /healthz`, the JSON admin API under `/api/v1`
 * (described at `/api/v1/openapi.json`), and the Access Keys page at `/`. The API and the page act
 * through one AdminService on the registry, the same services the CLI uses, and the operator's
 * console reads across accounts through one OperatorService.
 */
export function createAdminApp(deps: AdminAppDeps): express.Express {
  const { logger, registry, config } = deps;
  const admin = new AdminService(registry);
  const operator = new OperatorService(registry, admin, { packageKnown: deps.packageKnown, packageNames: deps.packageNames });
  const sources = new SourceAdmin(registry, config);
  const codec = new SessionCodec(resolveSessionSecret(config, logger), config.adminToken);
  const signIn = new SignIn({ registry, admin, adminToken: config.adminToken, logger, limits: deps.signInLimits });
  // Sign-in limits and audited addresses follow the client behind REPOGATE_TRUSTED_PROXIES.
  const clientAddress = createClientAddress(config.trustedProxies);
  const authenticator = new Authenticator({ codec, signIn, registry, clientAddress });
  const composer = composerLocation(config, deps.composerUrl);

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(accessLog(logger, undefined, clientAddress));
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  app.use('/api/v1', createApiRouter({ admin, operator, sources, signIn, codec, authenticator, logger, clientAddress }));
  app.use(
    createWebRouter({
      admin,
      operator,
      sources,
      signIn,
      codec,
      authenticator,
      once: new OnceGuard(),
      logger,
      clientAddress,
      composerHost: composer.host,
      repositoryUrl: composer.url,
    }),
  );
  return app;
}
