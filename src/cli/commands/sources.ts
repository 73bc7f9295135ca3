import { text } from 'node:stream/consumers';
import type { Command } from 'commander';
import { RepogateError } from '../../errors.js';
import { assertCanSeal, assertSourceName } from '../../registry/source-rules.js';
import type { SourceView } from '../../registry/sources.js';
import { formatTime, renderTable } from '../output.js';
import { readSecret } from '../read-secret.js';
import { withSession } from '../session.js';

interface AddOptions {
  url: string;
  username?: string;
  passwordStdin?: boolean;
  githubTokenStdin?: boolean;
}

/** `repogate sources …`: Composer repositories repogate reads besides the environment's upstream (`default`). */
export function registerSourceCommands(program: Command): void {
  const sources = program.command('sources').description('manage sources: Composer repositories repogate reads, besides the upstream of the environment (default)');

  sources
    .command('add')
    .argument('<NAME>', 'the source: lowercase letters, digits and -', (value: string) => assertSourceName(value))
    .description('add a source; its password and GitHub token are read from stdin and stored encrypted with REPOGATE_SECRETS_KEY')
    .requiredOption('--url <url>', 'the Composer repository, http(s), without credentials, query or fragment')
    .option('--username <name>', 'the user name repogate sends the source (HTTP Basic)')
    .option('--password-stdin', 'read the password from stdin (needs --username)')
    .option('--github-token-stdin', 'read a GitHub token from stdin, for archives the source sends to GitHub (with --password-stdin: the second line)')
    .action((name: string, options: AddOptions, command: Command) =>
      withSession(command, async ({ registry, actor, output, config }) => {
        if (options.passwordStdin === true && options.username === undefined) {
          throw new RepogateError('USAGE', '--password-stdin needs --username: the password is sent with that user name');
        }
        // Refused before anything is typed or read.
        if (options.passwordStdin === true) assertCanSeal(name, 'password', config.secretsKey);
        if (options.githubTokenStdin === true) assertCanSeal(name, 'GitHub token', config.secretsKey);
        const secrets = await readSecrets(options.passwordStdin === true, options.githubTokenStdin === true);
        const info = await registry.sources.add({ name, url: options.url, username: options.username, ...secrets }, actor, config.secretsKey);
        output.result(info, () => `Added source "${info.name}" (${info.url}). Give it to accounts with: repogate accounts set-sources MAGEID default,${info.name}`);
      }),
    );

  sources
    .command('list')
    .description('list the sources: default (from the environment) first, then those added; never their secrets')
    .action((_options: unknown, command: Command) =>
      withSession(command, async ({ registry, output, config }) => {
        const list = await registry.sources.overview(config.upstream);
        output.result(list, () =>
          renderTable(
            ['Name', 'URL', 'Origin', 'Credentials', 'Accounts', 'Added'],
            list.map((s) => [s.name, s.url, s.origin, describeCredentials(s), s.accounts.length === 0 ? '-' : s.accounts.join(', '), s.createdAt === null ? '-' : formatTime(s.createdAt)]),
          ),
        );
      }),
    );

  sources
    .command('remove')
    .argument('<NAME>', 'the source')
    .description('remove a source (refused while an account reads it)')
    .action((name: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        await registry.sources.remove(name, actor);
        output.result({ source: name, removed: true }, () => `Removed source "${name}" and its stored credentials.`);
      }),
    );
}

/** `username alice, password, GitHub token`, or `none`. */
export function describeCredentials(source: Pick<SourceView, 'username' | 'hasPassword' | 'hasGithubToken'>): string {
  const parts = [
    ...(source.username === null ? [] : [`username ${source.username}`]),
    ...(source.hasPassword ? ['password set'] : []),
    ...(source.hasGithubToken ? ['GitHub token set'] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * The secrets `sources add` was told to read. One: the whole of stdin (one trailing newline dropped),
 * or typed at a prompt. Both: from a pipe, the password on the first line and the token on the second;
 * on a terminal, two prompts.
 */
async function readSecrets(password: boolean, githubToken: boolean): Promise<{ password?: string; githubToken?: string }> {
  if (password && githubToken) {
    if (process.stdin.isTTY) return { password: await readSecret('Password: '), githubToken: await readSecret('GitHub token: ') };
    const lines = (await text(process.stdin)).split(/\r?\n/);
    const [first = '', second = ''] = lines;
    if (first === '' || second === '' || lines.slice(2).some((line) => line !== '')) {
      throw new RepogateError('USAGE', 'with --password-stdin and --github-token-stdin, give the password on the first line of stdin and the GitHub token on the second');
    }
    return { password: first, githubToken: second };
  }
  if (password) return { password: await readSecret('Password: ') };
  if (githubToken) return { githubToken: await readSecret('GitHub token: ') };
  return {};
}
