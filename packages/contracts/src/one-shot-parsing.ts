import { config } from "zod";

/**
 * For a short-lived process that validates each document once (a cold `millrace status`): zod then
 * checks every schema by walking it instead of first compiling a checker for each object schema,
 * which costs more than the single walk it speeds up. The verdict, the parsed value and the issues
 * are the same either way. It applies to schemas built after the call (zod decides per schema when
 * it is built), so a process calls it before loading the modules that build its schemas (import it
 * from `@millrace/contracts/one-shot-parsing`, which loads no schema); a long-lived process (the
 * daemon) keeps the compiled checkers.
 */
export function useOneShotParsing(): void {
  // `config`, not `z.config`: the CLI's bundler treats calls on `z` as free of side effects.
  config({ jitless: true });
}
