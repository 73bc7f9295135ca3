#!/usr/bin/env node
/**
 * Entry point of the `repogate` command. Sets `process.exitCode` rather than calling `process.exit`,
 * so that every command has closed the registry (and flushed its output) when the process ends.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
