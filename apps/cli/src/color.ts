/**
 * Colour for text output. On when stdout is a terminal; `NO_COLOR` (any non-empty value) and
 * `--no-color` turn it off, `FORCE_COLOR` (anything but `0` or `false`) turns it on even when
 * piped. Piped output without FORCE_COLOR stays plain, so scripts and tests see stable text.
 */
export interface Paint {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function colorEnabled(env: NodeJS.ProcessEnv, argv: readonly string[], isTTY: boolean): boolean {
  if (argv.includes("--no-color") || argv.includes("--color=false")) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  if (argv.includes("--color")) return true;
  return isTTY;
}

function sgr(open: number, close: number, on: boolean): (text: string) => string {
  return on ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
}

export function makePaint(enabled: boolean): Paint {
  return {
    enabled,
    red: sgr(31, 39, enabled),
    green: sgr(32, 39, enabled),
    yellow: sgr(33, 39, enabled),
    cyan: sgr(36, 39, enabled),
    dim: sgr(2, 22, enabled),
    bold: sgr(1, 22, enabled),
  };
}

/** A status word coloured by what it means: green done, red failed/blocked, yellow in between. */
export function paintStatus(paint: Paint, word: string): string {
  if (/^(done|completed|success|ok|idle|passed|true)$/i.test(word)) return paint.green(word);
  if (/(fail|block|error|invalid|crash|stale)/i.test(word)) return paint.red(word);
  if (/^(running|active|paused|interrupted|warning)$/i.test(word)) return paint.yellow(word);
  return word;
}
