import { randomBytes } from 'node:crypto';
import { notFound } from '../errors.js';
import type { Actor, RegistryContext } from './context.js';
import { hashSecret, secretMatches } from './secrets.js';
import { assertMageId } from './validation.js';

export interface DownloadToken {
  readonly accountId: string;
  readonly createdAt: string;
}

/** The downloads access token: at most one per account, used as `MAGEID:TOKEN`; a new one replaces the old. */
export class TokenService {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  /** Generates a token for the account, replacing (and so disabling) the previous one. Returned once. */
  async generate(accountId: string, actor: Actor): Promise<{ token: string; info: DownloadToken }> {
    assertMageId(accountId);
    const account = await this.#ctx.db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
    if (!account) throw notFound(`account ${accountId} not found`);
    const token = randomBytes(20).toString('hex');
    const createdAt = this.#ctx.nowIso();
    let replaced = false;
    await this.#ctx.write(
      actor,
      async (trx) => {
        const removed = await trx.deleteFrom('download_tokens').where('account_id', '=', accountId).executeTakeFirst();
        replaced = Number(removed.numDeletedRows) > 0;
        await trx
          .insertInto('download_tokens')
          .values({ account_id: accountId, token_hash: hashSecret(token), created_at: createdAt })
          .execute();
      },
      () => ({ action: 'token.generated', accountId, detail: { replacedPrevious: replaced } }),
    );
    return { token, info: { accountId, createdAt } };
  }

  async find(accountId: string): Promise<DownloadToken | undefined> {
    const row = await this.#ctx.db
      .selectFrom('download_tokens')
      .select(['account_id', 'created_at'])
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return row ? { accountId: row.account_id, createdAt: row.created_at } : undefined;
  }

  /** True when `token` is the account's current token and the account is active. */
  async verify(accountId: string, token: string): Promise<boolean> {
    return (await this.check(accountId, token)).ok;
  }

  /**
   * Checks `MAGEID:TOKEN`: ok, or why not. The suspension reason is only told to whoever presents
   * the right token.
   */
  async check(accountId: string, token: string): Promise<{ ok: true } | { ok: false; suspended?: string }> {
    const row = await this.#ctx.db
      .selectFrom('download_tokens')
      .innerJoin('accounts', 'accounts.id', 'download_tokens.account_id')
      .select(['download_tokens.token_hash', 'accounts.status', 'accounts.suspension_reason'])
      .where('download_tokens.account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined || !secretMatches(token, row.token_hash)) return { ok: false };
    if (row.status !== 'active') return { ok: false, suspended: row.suspension_reason ?? 'no reason given' };
    return { ok: true };
  }
}
