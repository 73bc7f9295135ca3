#!/usr/bin/env node
/**
 * Entry point of the `repogate` command. Sets `process.exitCode` rather than calling `process.exit`,
 * so that every command has closed the registry (and flushed its output) when the process ends.
 * `repogate serve` sets its own exit code (2 for a configuration error, 1 when it could not start),
 * which is kept.
 */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
