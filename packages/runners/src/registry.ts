import { MillraceError, type RunnerAdapter } from "@millrace/contracts";
import { createClaudeAdapter } from "./claude/adapter.js";
import { createCodexAdapter } from "./codex/adapter.js";
import { createPiAdapter } from "./pi/adapter.js";
import { createScriptedAdapter } from "./scripted/adapter.js";

export const DEFAULT_RUNNER_NAME = "codex_cli";

export interface RunnerRegistry {
  register(adapter: RunnerAdapter, options?: { replace?: boolean }): void;
  get(name: string): RunnerAdapter | undefined;
  /** The adapter, or a `runner_unknown` error listing the available names. */
  require(name: string): RunnerAdapter;
  has(name: string): boolean;
  /** Registered names, sorted. */
  names(): string[];
}

/**
 * A name → adapter map. `createRunnerRegistry()` holds the built-ins (codex_cli, claude_code,
 * pi_rpc, scripted); pass `{ builtins: false }` for an empty one. Embedders add their own with
 * `register()`.
 */
export function createRunnerRegistry(options: { builtins?: boolean } = {}): RunnerRegistry {
  const adapters = new Map<string, RunnerAdapter>();
  const registry: RunnerRegistry = {
    register(adapter, { replace = false } = {}) {
      const name = adapter.name.trim();
      if (!name) throw new MillraceError("runner_unknown", "a runner adapter needs a non-empty name");
      if (adapters.has(name) && !replace) {
        throw new MillraceError("runner_unknown", `a runner named ${name} is already registered`, {
          hint: "Pick another name, or pass { replace: true } to override it.",
        });
      }
      adapters.set(name, adapter);
    },
    get: (name) => adapters.get(name.trim()),
    has: (name) => adapters.has(name.trim()),
    names: () => [...adapters.keys()].sort(),
    require(name) {
      const adapter = adapters.get(name.trim());
      if (!adapter) {
        throw new MillraceError(
          "runner_unknown",
          `Unknown stage runner: ${name}. Available: ${registry.names().join(", ") || "none"}`,
          { details: { runner: name, available: registry.names() } },
        );
      }
      return adapter;
    },
  };
  if (options.builtins !== false) {
    registry.register(createCodexAdapter());
    registry.register(createClaudeAdapter());
    registry.register(createPiAdapter());
    registry.register(createScriptedAdapter());
  }
  return registry;
}

/** Runner for a request: its own runner_name, then `runners.default_runner`, then codex_cli. */
export function resolveRunnerName(
  requestRunner: string | null | undefined,
  defaultRunner: string | undefined,
): string {
  const own = requestRunner?.trim();
  if (own) return own;
  const configured = defaultRunner?.trim();
  return configured || DEFAULT_RUNNER_NAME;
}

/**
 * Checks every configured runner name (each `[stages.<s>] runner` and `runners.default_runner`)
 * against the registry; returns the unknown ones, sorted.
 */
export function unknownConfiguredRunners(
  registry: RunnerRegistry,
  config: { runners: { default_runner: string }; stages: Record<string, { runner?: string | undefined }> },
): string[] {
  const names = new Set<string>([config.runners.default_runner]);
  for (const stage of Object.values(config.stages)) if (stage.runner?.trim()) names.add(stage.runner.trim());
  return [...names].filter((name) => !registry.has(name)).sort();
}
