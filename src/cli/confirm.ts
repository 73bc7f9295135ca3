import { createInterface } from 'node:readline';

/** True when a person can be asked: stdin and stderr (where the question goes) are both terminals. */
export function canAsk(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): boolean {
  return stdin.isTTY === true && stderr.isTTY === true;
}

/**
 * Asks a yes/no question on the terminal (on stderr, so that stdout stays the command's result) and
 * resolves with true only for `y` or `yes`; Enter alone, anything else, Ctrl-C and Ctrl-D are a no.
 */
export function confirm(question: string, stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: stdin, output: stderr, terminal: true });
    let answer: string | undefined;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      // Ctrl-C or Ctrl-D left the cursor after the question.
      if (answer === undefined) stderr.write('\n');
      resolve(answer !== undefined && /^\s*y(es)?\s*$/i.test(answer));
    });
    rl.question(`${question} [y/N] `, (typed) => {
      answer = typed;
      rl.close();
    });
  });
}
