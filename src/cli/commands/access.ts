import type { Command } from 'commander';
import { explainAccess, type AccessExplanation } from '../../access/explain-access.js';
import { parse } from '../arguments.js';
import { withSession } from '../session.js';

/** `repogate access explain`: why a key can or cannot install a package. */
export function registerAccessCommands(program: Command): void {
  const access = program.command('access').description('explain access decisions');

  access
    .command('explain')
    .argument('<public>', 'the public key', parse.publicKey)
    .argument('<package>', 'the package, vendor/name', parse.packageName)
    .description('why this key can or cannot install this package: the decision of the proxy, with every rule and state it looked at')
    .option('--from <address>', 'also check the key’s networks against this client address', parse.address)
    .action((publicKey: string, packageName: string, options: { from?: string }, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        const explanation = await explainAccess(registry, { publicKey, packageName, address: options.from });
        output.result(explanation, () => renderExplanation(explanation));
      }),
    );
}

const marks = { true: 'ok', false: 'NO', null: '--' } as const;

/** What Composer shows for a refusal, by where it happens. */
function composerSees(code: string): string {
  switch (code) {
    case 'NOT_ENTITLED':
      return 'metadata: 404, Composer says the package "could not be found in any version"; archives: 403 with the reason';
    case 'KEY_DISABLED':
    case 'KEY_EXPIRED':
      return '401 on every request: Composer asks for (or reports invalid) credentials';
    default:
      return '403 with the reason, on every request of this key';
  }
}

/** The human form: the verdict, the reason Composer gets, then each check and each grant's deciding rule. */
export function renderExplanation(e: AccessExplanation): string {
  const lines = [
    `${e.package} for key "${e.key.name}" (${e.publicKey}) of account ${e.account.id}: ${e.allowed ? 'ALLOWED' : 'REFUSED'}`,
  ];
  if (e.denial !== null) {
    lines.push(`  ${e.denial.code}: ${e.denial.reason}`, `  Composer gets: ${composerSees(e.denial.code)}`);
  }
  lines.push('', 'Checks, in the order the proxy takes them:');
  const width = Math.max(...e.checks.map((c) => c.check.length));
  for (const c of e.checks) lines.push(`  ${marks[String(c.ok) as keyof typeof marks]}  ${c.check.padEnd(width)}  ${c.detail}`);
  if (e.grants.length > 0) {
    lines.push('', 'Grants (the last rule that matches decides):');
    for (const g of e.grants) {
      const expiry = g.expiresOn === null ? 'no expiry' : `${g.active ? 'until' : 'EXPIRED'} ${g.expiresOn}`;
      const match = g.match === null ? 'no rule matches' : `rule ${g.match.position} ${g.match.rule} → ${g.match.effect}`;
      lines.push(`  ${g.entitlement} (${expiry}): ${match}`);
      lines.push(`    rules: ${g.rules.map((r, i) => `${i + 1}. ${r}`).join('  ')}`);
    }
  }
  if (e.scope !== null) {
    const match = e.scope.match === null ? 'no rule matches' : `rule ${e.scope.match.position} ${e.scope.match.rule} → ${e.scope.match.effect}`;
    lines.push('', `Key scope (can only narrow the grants): ${e.scope.rules.join(', ')}: ${match}`);
  }
  return lines.join('\n');
}
