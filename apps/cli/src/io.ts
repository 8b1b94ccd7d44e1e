import type { MillraceError } from "@millrace/contracts";
import { neutralizeControlChars } from "@millrace/contracts/terminal-text";
import { colorEnabled, makePaint, type Paint } from "./color.js";

/** Where a command writes. Injected so tests can run `main()` in-process. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Terminal width when stdout is a terminal; undefined when it is piped or redirected. */
  readonly columns?: number | undefined;
  /** Whether stdout is a terminal (colour, redrawn `status watch`, live daemon lines). */
  readonly isTTY?: boolean | undefined;
}

export const processIO: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  isTTY: Boolean(process.stdout.isTTY),
};

/** Help text width: the terminal's (capped) on a TTY, a fixed 100 columns otherwise so piped output is stable. */
export const PIPED_HELP_WIDTH = 100;
export function helpWidth(io: CliIO): number {
  return io.columns && io.columns > 0 ? Math.min(110, io.columns) : PIPED_HELP_WIDTH;
}

/**
 * A MillraceError, recognised by shape so that this module need not load @millrace/contracts (and
 * zod) on every start: whoever threw one has loaded it already.
 */
function isMillraceError(value: unknown): value is MillraceError {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<MillraceError>;
  return (
    candidate.name === "MillraceError" &&
    typeof candidate.code === "string" &&
    typeof candidate.hint === "string" &&
    typeof candidate.exitStatus === "number" &&
    typeof candidate.toJSON === "function"
  );
}

/** Global options every command receives. */
export interface GlobalArgs {
  /** Undefined when not given: the workspace is then discovered upward from the current folder. */
  workspace?: string | undefined;
  json: boolean;
  color?: boolean | undefined;
}

/** What a command handler gets: the resolved globals and a printer that honours `--json`. */
export interface CommandContext {
  readonly io: CliIO;
  readonly workspace: string;
  /** Every `--workspace` given, resolved, in order (`[workspace]` when given once or not at all). */
  readonly workspaces: readonly string[];
  readonly json: boolean;
  /** Colour for text output (identity functions when colour is off). */
  readonly paint: Paint;
  /** Prints `key: value` lines in text mode, or the JSON value in `--json` mode. */
  emit(text: string | (() => string), json: unknown): void;
  line(text: string): void;
}

/**
 * One value for a text line. Values come from workspace files (titles, notes, paths), which a
 * cloned repository controls: control characters are made visible so they cannot drive the terminal.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === "") return "none";
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map(formatValue).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return neutralizeControlChars(String(value));
}

/** Renders `key: value` lines; nested objects render as dotted keys. */
export function keyValueLines(record: Record<string, unknown>, prefix = ""): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      lines.push(keyValueLines(value as Record<string, unknown>, `${prefix}${key}.`).trimEnd());
    } else {
      lines.push(`${prefix}${key}: ${formatValue(value)}`);
    }
  }
  return `${lines.filter((line) => line !== "").join("\n")}\n`;
}

/** Colour for stderr: errors go there, so its own terminal decides (NO_COLOR/FORCE_COLOR still apply). */
function stderrPaint(io: CliIO): Paint {
  const tty = io === processIO ? Boolean(process.stderr.isTTY) : Boolean(io.isTTY);
  return makePaint(colorEnabled(io.env, io === processIO ? process.argv : [], tty));
}

/**
 * Prints an error the way the CLI contract says: one line plus a hint for a MillraceError (or a
 * JSON error object with `--json`), a stack trace and a request to report for anything else.
 * Returns the exit status.
 */
export function reportError(io: CliIO, error: unknown, json: boolean): number {
  if (isMillraceError(error)) {
    if (json) io.stdout(`${JSON.stringify(error.toJSON())}\n`);
    else {
      const paint = stderrPaint(io);
      // Messages may quote workspace files: their control characters are made visible.
      io.stderr(
        `${paint.red("error:")} ${neutralizeControlChars(error.message)}\n${paint.dim("hint:")} ${neutralizeControlChars(error.hint)}\n`,
      );
    }
    return error.exitStatus;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  if (json) {
    io.stdout(
      `${JSON.stringify({ error: { code: "internal_error", message: err.message, hint: "Please report this as a bug.", details: {} } })}\n`,
    );
  } else {
    io.stderr(
      `error: internal error: ${neutralizeControlChars(err.message)}\n${neutralizeControlChars(err.stack ?? "")}\nPlease report this as a bug.\n`,
    );
  }
  return 1;
}
