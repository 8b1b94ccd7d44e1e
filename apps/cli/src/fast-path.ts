import type { GlobalArgs } from "./io.js";

/**
 * The read-only commands with a cold-start budget (`status` and `queue ls`, DESIGN.md: under 300 ms
 * on a 10,000-item queue; `runs ls`, issue 19: under 150 ms with 10,000 runs; one workspace's
 * `supervisor report`, issue 13: under 400 ms) skip loading yargs — about a fifth of a cold start — when their argv holds
 * only the common options. Anything else (help, other options, other subcommands, a malformed
 * value) returns undefined and goes through yargs as usual. Both routes call the same handler with
 * the same arguments, including yargs' defaults.
 */
export interface FastInvocation {
  /** The key of the command module in COMMAND_MODULES. */
  module: "status" | "queue" | "runs" | "supervisor" | "run";
  args: Record<string, unknown> & GlobalArgs;
}

function takeValue(argv: readonly string[], index: number, flag: string): [string, number] | undefined {
  const token = argv[index] as string;
  if (token.startsWith(`${flag}=`)) return [token.slice(flag.length + 1), index];
  const value = argv[index + 1];
  if (value === undefined || value.startsWith("-")) return undefined;
  return [value, index + 1];
}

/** Options that take a value, by spelling, and the key their value is kept under. */
const VALUE_FLAGS: Readonly<Record<string, string>> = {
  "--workspace": "workspace",
  "-w": "workspace",
  "--kind": "kind",
  "--state": "state",
  "--limit": "limit",
  "--offset": "offset",
  "--status": "status",
  "--item": "item",
  "--recent-events": "recentEvents",
  "--stalled-after": "stalledAfter",
  "--issuer": "issuer",
  "--actor": "issuer",
  "--mode": "mode",
};

/** Options that take no value, besides `--json` and the colour switches. */
const SWITCHES = ["--summary", "--all"] as const;
type Switch = (typeof SWITCHES)[number];

interface Scanned {
  positionals: string[];
  values: Record<string, string>;
  json: boolean;
  switches: Set<Switch>;
  color: boolean | undefined;
}

/** The argv as positionals and known options; undefined for anything unknown or repeated. */
function scan(argv: readonly string[]): Scanned | undefined {
  const found: Scanned = { positionals: [], values: {}, json: false, switches: new Set(), color: undefined };
  for (let index = 0; index < argv.length; index += 1) {
    const token = argv[index] as string;
    if (token === "--json") found.json = true;
    else if ((SWITCHES as readonly string[]).includes(token)) found.switches.add(token as Switch);
    else if (token === "--no-color" || token === "--color") found.color = token === "--color";
    else {
      const flag = Object.keys(VALUE_FLAGS).find(
        (candidate) => token === candidate || token.startsWith(`${candidate}=`),
      );
      if (flag) {
        const taken = takeValue(argv, index, flag);
        const key = VALUE_FLAGS[flag] as string;
        if (!taken || found.values[key] !== undefined) return undefined;
        found.values[key] = taken[0];
        index = taken[1];
      } else if (token.startsWith("-")) return undefined;
      else found.positionals.push(token);
    }
  }
  return found;
}

type Builder = (scanned: Scanned) => Omit<FastInvocation, "args"> & { args: Record<string, unknown> };

/** `status`, `queue ls`, `runs ls` and `supervisor report`: which options each takes here, and its args. */
const COMMANDS: ReadonlyArray<{ words: string[][]; options: string[]; switches: Switch[]; build: Builder }> =
  [
    {
      words: [["status"]],
      options: [],
      switches: [],
      build: () => ({
        module: "status",
        args: { action: "show", workspaces: [], "interval-seconds": 1, intervalSeconds: 1 },
      }),
    },
    {
      words: [["queue", "ls"]],
      options: ["kind", "state", "limit", "offset"],
      switches: ["--summary", "--all"],
      build: ({ values, switches }) => ({
        module: "queue",
        args: {
          action: "ls",
          ...(values.kind !== undefined ? { kind: values.kind } : {}),
          ...(values.state !== undefined ? { state: values.state } : {}),
          ...numberArg("limit", "limit", values.limit),
          ...numberArg("offset", "offset", values.offset),
          actor: "operator",
          summary: switches.has("--summary"),
          all: switches.has("--all"),
        },
      }),
    },
    {
      words: [
        ["runs", "ls"],
        ["runs", "list"],
      ],
      options: ["limit", "offset", "status", "item"],
      switches: [],
      build: ({ values, positionals }) => ({
        module: "runs",
        args: {
          action: positionals[1],
          ...(values.limit !== undefined ? { limit: Number(values.limit) } : {}),
          ...(values.offset !== undefined ? { offset: Number(values.offset) } : {}),
          ...(values.status !== undefined ? { status: values.status } : {}),
          ...(values.item !== undefined ? { item: values.item } : {}),
        },
      }),
    },
    {
      words: [["supervisor", "report"]],
      options: ["recentEvents", "stalledAfter", "issuer"],
      switches: [],
      build: ({ values }) => ({
        module: "supervisor",
        args: {
          action: "report",
          ...numberArg("recentEvents", "recent-events", values.recentEvents),
          ...numberArg("stalledAfter", "stalled-after", values.stalledAfter),
          ...(values.issuer !== undefined ? { issuer: values.issuer, actor: values.issuer } : {}),
        },
      }),
    },
    {
      // Not for cold start: a daemon lives for weeks, and yargs and its command tree held ~1.7 MB of
      // its heap for nothing (docs/performance.md, "Memory"). Its other options go through yargs.
      words: [
        ["run", "daemon"],
        ["run", "once"],
      ],
      options: ["mode"],
      switches: [],
      build: ({ values, positionals }) => ({
        module: "run",
        args: {
          mode_kind: positionals[1],
          modeKind: positionals[1],
          ...(values.mode !== undefined ? { mode: values.mode } : {}),
          "until-idle": false,
          untilIdle: false,
          monitor: "none",
        },
      }),
    },
  ];

/** Numeric options are taken here only as plain whole numbers; yargs reports anything else. */
const NUMERIC = new Set(["limit", "offset", "recentEvents", "stalledAfter"]);

function numberArg(camel: string, kebab: string, value: string | undefined): Record<string, number> {
  return value === undefined ? {} : { [camel]: Number(value), [kebab]: Number(value) };
}

export function parseFastPath(argv: readonly string[]): FastInvocation | undefined {
  const scanned = scan(argv);
  if (!scanned) return undefined;
  const { positionals, values } = scanned;
  const command = COMMANDS.find(
    (candidate) =>
      candidate.words.some(
        (words) => words.length === positionals.length && words.every((word, i) => positionals[i] === word),
      ) &&
      [...scanned.switches].every((flag) => candidate.switches.includes(flag)) &&
      Object.keys(values).every((key) => key === "workspace" || candidate.options.includes(key)),
  );
  if (!command) return undefined;
  if (Object.entries(values).some(([key, value]) => NUMERIC.has(key) && !/^[0-9]{1,9}$/.test(value))) {
    return undefined;
  }
  if (values.limit !== undefined && Number(values.limit) < 1) return undefined;
  const built = command.build(scanned);
  return {
    module: built.module,
    args: {
      ...built.args,
      // Left undefined when not given, so the handler's caller discovers the workspace upward.
      ...(values.workspace !== undefined ? { workspace: values.workspace, w: values.workspace } : {}),
      ...(scanned.color !== undefined ? { color: scanned.color } : {}),
      json: scanned.json,
      _: [positionals[0] as string],
      $0: "millrace",
    },
  } as FastInvocation;
}
