/**
 * Environment variables a shell task's `env` may not set (SPEC §8): the ones a dynamic loader, a
 * shell or an interpreter reads at start-up to run code of its own choosing. With them, a plan
 * that may only run `["true"]` could run any script (`BASH_ENV=/tmp/evil.sh`). Shared by plan
 * validation (refused with the path) and the shell executor (refused again at run time). Pure.
 */

/** Exact names refused. */
const REFUSED_NAMES: ReadonlySet<string> = new Set([
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'IFS',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'GCONV_PATH',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
]);

/** Prefixes refused: the dynamic loaders' `LD_*` / `DYLD_*`, and bash's exported functions. */
const REFUSED_PREFIXES: readonly string[] = ['LD_', 'DYLD_', 'BASH_FUNC_'];

/** True when a shell task may not set `name` in its `env`. Case-sensitive, as the loaders are. */
export function isRefusedEnvName(name: string): boolean {
  return REFUSED_NAMES.has(name) || REFUSED_PREFIXES.some((p) => name.startsWith(p));
}

/** The message for a refused name. */
export function refusedEnvMessage(name: string): string {
  return `${name} may not be set: loader and shell start-up variables (BASH_ENV, ENV, LD_*, DYLD_*, NODE_OPTIONS, PYTHONSTARTUP, …) would run code the command does not name`;
}
