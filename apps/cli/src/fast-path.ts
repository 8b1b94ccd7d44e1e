import type { GlobalArgs } from "./io.js";

/**
 * The read-only commands with a cold-start budget (`status` and `queue ls`, DESIGN.md: under 300 ms
 * on a 10,000-item queue; `runs ls`, issue 19: under 150 ms with 10,000 runs) skip loading yargs — about a fifth of a cold start — when their argv holds
 * only the common options. Anything else (help, other options, other subcommands, a malformed
 * value) returns undefined and goes through yargs as usual. Both routes call the same handler with
 * the same arguments, including yargs' defaults.
 */
export interface FastInvocation {
  /** The key of the command module in COMMAND_MODULES. */
  module: "status" | "queue" | "runs";
  args: Record<string, unknown> & GlobalArgs;
}

function takeValue(argv: readonly string[], index: number, flag: string): [string, number] | undefined {
  const token = argv[index] as string;
  if (token.startsWith(`${flag}=`)) return [token.slice(flag.length + 1), index];
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("-")) return undefined;
  return [value, index + 1];
}

export function parseFastPath(argv: readonly string[]): FastInvocation | undefined {
  const positionals: string[] = [];
  const values: Record<string, string> = {};
  let json = false;
  let summary = false;
  let color: boolean | undefined;
  const valueFlags: Record<string, string> = {
    "--workspace": "workspace",
    "-w": "workspace",
    "--kind": "kind",
    "--state": "state",
    "--limit": "limit",
    "--status": "status",
    "--item": "item",
  };
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index] as string;
    if (token === "--json") {
      json = true;
      continue;
    }
    if (token === "--summary") {
      summary = true;
      continue;
    }
    if (token === "--no-color" || token === "--color") {
      color = token === "--color";
      continue;
    }
    const flag = Object.keys(valueFlags).find(
      (candidate) => token === candidate || token.startsWith(`${candidate}=`),
    );
    if (flag) {
      const taken = takeValue(argv, index, flag);
      const key = valueFlags[flag] as string;
      if (!taken || values[key] !== undefined) return undefined;
      values[key] = taken[0];
      index = taken[1];
      continue;
    }
    if (token.startsWith("-")) return undefined;
    positionals.push(token);
  }
  // Left undefined when not given, so the handler's caller discovers the workspace upward.
  const globals = {
    ...(values.workspace !== undefined ? { workspace: values.workspace, w: values.workspace } : {}),
    ...(color !== undefined ? { color } : {}),
    json,
  };
  const only = (...allowed: string[]) =>
    Object.keys(values).every((key) => key === "workspace" || allowed.includes(key));
  if (positionals.length === 1 && !summary && positionals[0] === "status" && only()) {
    return {
      module: "status",
      args: {
        action: "show",
        workspaces: [],
        "interval-seconds": 1,
        intervalSeconds: 1,
        ...globals,
        _: ["status"],
        $0: "millrace",
      },
    };
  }
  if (
    positionals.length === 2 &&
    positionals[0] === "queue" &&
    positionals[1] === "ls" &&
    only("kind", "state")
  ) {
    return {
      module: "queue",
      args: {
        action: "ls",
        ...(values.kind !== undefined ? { kind: values.kind } : {}),
        ...(values.state !== undefined ? { state: values.state } : {}),
        actor: "operator",
        summary,
        ...globals,
        _: ["queue"],
        $0: "millrace",
      },
    };
  }
  if (
    positionals.length === 2 &&
    positionals[0] === "runs" &&
    (positionals[1] === "ls" || positionals[1] === "list") &&
    !summary &&
    only("limit", "status", "item") &&
    (values.limit === undefined || /^[1-9][0-9]{0,8}$/.test(values.limit))
  ) {
    return {
      module: "runs",
      args: {
        action: positionals[1],
        ...(values.limit !== undefined ? { limit: Number(values.limit) } : {}),
        ...(values.status !== undefined ? { status: values.status } : {}),
        ...(values.item !== undefined ? { item: values.item } : {}),
        ...globals,
        _: ["runs"],
        $0: "millrace",
      },
    };
  }
  return undefined;
}
