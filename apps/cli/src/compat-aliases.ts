/**
 * The original Millrace's spellings that differ from ours, accepted as aliases. `health`,
 * `run-provenance` (commands/compat.ts) and `logs` (commands/events.ts) are registered commands; the two sub-command spellings
 * are rewritten to ours before parsing, so `queue` and `config` keep one definition each.
 */
export interface CompatSpelling {
  /** What the original accepted. */
  readonly spelling: string;
  /** Ours, which it runs. */
  readonly target: string;
}

export const COMPAT_SPELLINGS: readonly CompatSpelling[] = [
  { spelling: "config reload", target: "reload-config" },
  { spelling: "queue inspect", target: "queue ls" },
  { spelling: "health", target: "doctor" },
  { spelling: "run-provenance <run_id>", target: "runs show <run_id>" },
  { spelling: "logs [--tail N] [--follow]", target: "events [--tail N] [--follow]" },
];

/** Sub-command spellings rewritten before parsing: [first word, second word] → our words. */
const REWRITES: ReadonlyArray<{ from: [string, string]; to: string[] }> = [
  { from: ["config", "reload"], to: ["reload-config"] },
  { from: ["queue", "inspect"], to: ["queue", "ls"] },
];

/** Options whose next token is their value (so it is not a command word). */
const VALUE_OPTIONS = new Set(["-w", "--workspace"]);

function positionalIndexes(argv: readonly string[], count: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < argv.length && found.length < count; i++) {
    const token = argv[i] as string;
    if (token === "--") break;
    if (VALUE_OPTIONS.has(token)) {
      i++;
      continue;
    }
    if (!token.startsWith("-")) found.push(i);
  }
  return found;
}

/** argv with an original sub-command spelling (`config reload`, `queue inspect`) replaced by ours. */
export function rewriteCompatSpelling(argv: readonly string[]): string[] {
  const [first, second] = positionalIndexes(argv, 2);
  if (first === undefined || second === undefined) return [...argv];
  const rule = REWRITES.find((r) => r.from[0] === argv[first] && r.from[1] === argv[second]);
  if (!rule) return [...argv];
  const out = [...argv];
  out.splice(second, 1);
  out.splice(first, 1, ...rule.to);
  return out;
}

/** The line top-level help ends with. */
export function compatEpilogue(): string {
  return `Also accepted (the original Millrace's spellings): ${COMPAT_SPELLINGS.map((s) => `${s.spelling} = ${s.target}`).join("; ")}.`;
}
