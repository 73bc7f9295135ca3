import type { Command } from 'commander';

/** `repogate serve`: runs the proxy, the admin API and the web page until stopped. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Composer proxy and the admin listener (configured by the environment)')
    .action(async () => {
      // Loaded on demand: the other commands should not pay for (or start) the server's modules.
      const { runServe } = await import('../../main.js');
      await runServe();
    });
}
