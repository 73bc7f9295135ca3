import { Router } from 'express';
import { invalid } from '../../errors.js';
import { assertAddress, assertPackageName, assertPublicKey } from '../../registry/validation.js';
import { callerOf, query, type ApiDeps } from './api-context.js';

/**
 * `GET /access/explain?key=&package=&from=`: why a key can or cannot install a package, the same
 * document as `repogate access explain --json` (operator only).
 */
export function accessRoutes({ operator }: ApiDeps): Router {
  const router = Router();
  router.get('/access/explain', async (req, res) => {
    const key = query(req, 'key');
    const packageName = query(req, 'package');
    const from = query(req, 'from');
    if (key === undefined || packageName === undefined) throw invalid('give the public key and the package: ?key=<public key>&package=<vendor/name>');
    res.json(
      await operator.explainAccess(callerOf(res), {
        publicKey: assertPublicKey(key),
        packageName: assertPackageName(packageName),
        address: from === undefined ? undefined : assertAddress(from),
      }),
    );
  });
  return router;
}
