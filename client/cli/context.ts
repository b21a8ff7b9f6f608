/**
 * What every `phase` command shares: where it writes, the global options (`--url`, `--token`,
 * `--json`), an API client built from them, and a printer that picks JSON or human output.
 */
import type { Command } from 'commander';
import { parseDuration } from '../../workflows/plan/duration';
import { PhasegateApi } from './api-client';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes';
import { painter, useColor, type Paint } from './render';

/** Where the CLI writes and what it reads; injectable for tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  color: boolean;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
    color: useColor(process.stdout),
  };
}

/** Options every command has. */
export interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

/** Helpers handed to each command module. */
export interface CommandContext {
  io: CliIo;
  paint: Paint;
  /** The global options as seen from a (sub)command. */
  globals(cmd: Command): GlobalOptions;
  /** An API client for the command's `--url` and `--token`. */
  api(cmd: Command): PhasegateApi;
  /** Prints `json` with `--json`, else the human text. */
  print(cmd: Command, json: unknown, human: () => string): void;
  /** Sets the exit code of the command that ran. */
  setExit(code: ExitCodeValue): void;
}

/** Builds the context. */
export function commandContext(io: CliIo, setExit: (code: ExitCodeValue) => void): CommandContext {
  const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();
  return {
    io,
    paint: painter(io.color),
    globals,
    api: (cmd) => {
      const g = globals(cmd);
      return new PhasegateApi(g.url, g.token);
    },
    print: (cmd, json, human) => io.out(globals(cmd).json ? `${JSON.stringify(json, null, 2)}\n` : `${human()}\n`),
    setExit,
  };
}

/** Parses `2s`, `500ms`, `1m` or a bare number of seconds; a usage error (exit 2) otherwise. */
export function parseInterval(text: string, name: string): number {
  const trimmed = text.trim();
  let ms = NaN;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    try {
      ms = parseDuration(trimmed);
    } catch {
      // stays NaN
    }
  }
  if (!Number.isFinite(ms) || ms < 50)
    throw new CliError(`${name}: "${text}" is not a duration (e.g. 500ms, 2s, 1m)`, ExitCode.USAGE);
  return ms;
}

/** Parses a positive whole number; a usage error (exit 2) otherwise. */
export function positiveInt(text: string, name: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new CliError(`${name}: "${text}" is not a positive whole number`, ExitCode.USAGE);
  return Number(text);
}
