#!/usr/bin/env node
// A stand-in for `claude -p` (2.1.329): same flags, stdin prompt, stream-json / json / text output.
import { randomUUID } from "node:crypto";
import {
  emit,
  every,
  finalText,
  grandchildren,
  readStdin,
  record,
  scenario,
  spawnGrandchild,
} from "./fake-common.mjs";

process.on("SIGTERM", () => {
  for (const pid of grandchildren) {
    try {
      process.kill(-pid, "SIGTERM");
    } catch {}
  }
  process.exit(143);
});

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const opts = { print: false, format: "text", verbose: false, allowedTools: [], positional: undefined };
const VALUE = new Map([
  ["--output-format", "format"],
  ["--model", "model"],
  ["--effort", "effort"],
  ["--permission-mode", "permissionMode"],
  ["--max-turns", "maxTurns"],
  ["--max-budget-usd", "maxBudget"],
]);
const VARIADIC = new Set(["--allowedTools", "--disallowedTools", "--tools", "--add-dir"]);
for (let i = 0; i < args.length; i += 1) {
  const arg = args[i];
  if (arg === "-p" || arg === "--print") opts.print = true;
  else if (arg === "--verbose") opts.verbose = true;
  else if (arg === "--no-session-persistence") opts.noSession = true;
  else if (arg === "--dangerously-skip-permissions") opts.skip = true;
  else if (VALUE.has(arg)) opts[VALUE.get(arg)] = args[++i];
  else if (VARIADIC.has(arg)) {
    // Variadic: swallows every following non-flag argument, the prompt included.
    while (i + 1 < args.length && !args[i + 1].startsWith("-")) opts.allowedTools.push(args[++i]);
  } else if (arg === "--") {
    opts.positional = args.slice(i + 1).join(" ");
    break;
  } else if (arg.startsWith("-")) fail(`error: unknown option '${arg}'`);
  else opts.positional = arg;
}
if (!opts.print) fail("fake-claude: only --print mode is supported");
const MODES = ["acceptEdits", "auto", "bypassPermissions", "manual", "dontAsk", "plan"];
if (opts.permissionMode !== undefined && !MODES.includes(opts.permissionMode))
  fail(`error: option '--permission-mode <mode>' argument '${opts.permissionMode}' is invalid.`);
if (opts.format === "stream-json" && !opts.verbose) {
  fail("Error: When using --print, --output-format=stream-json requires --verbose");
}
if (opts.skip && process.getuid?.() === 0 && process.env.IS_SANDBOX !== "1") {
  fail("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons");
}
const prompt = opts.positional ?? (process.stdin.isTTY ? "" : await readStdin());
if (!prompt.trim())
  fail("Error: Input must be provided either through stdin or as a prompt argument when using --print");
record({ stdin: prompt, scenario });

const session = randomUUID();
const model = opts.model ?? "claude-fake-4";
const stream = (value) =>
  opts.format === "stream-json" && emit({ ...value, session_id: session, uuid: randomUUID() });
const text = finalText(prompt);
const result = (fields) => {
  const value = {
    type: "result",
    num_turns: 1,
    duration_ms: 12,
    duration_api_ms: 10,
    permission_denials: [],
    ...fields,
  };
  if (opts.format === "stream-json") stream(value);
  else if (opts.format === "json")
    process.stdout.write(`${JSON.stringify({ ...value, session_id: session })}\n`);
  else if (typeof value.result === "string") process.stdout.write(`${value.result}\n`);
};

stream({
  type: "system",
  subtype: "init",
  cwd: process.cwd(),
  tools: ["Bash", "Edit", "Read", "Write"],
  mcp_servers: [],
  model,
  permissionMode: opts.permissionMode ?? "default",
  apiKeySource: process.env.ANTHROPIC_API_KEY ? "ANTHROPIC_API_KEY" : "none",
  claude_code_version: "2.1.329",
});

switch (scenario) {
  case "auth":
    stream({
      type: "assistant",
      message: {
        id: "msg_0",
        model: "<synthetic>",
        role: "assistant",
        content: [{ type: "text", text: "Not logged in · Please run /login" }],
        stop_reason: "stop_sequence",
        usage: { input_tokens: 0, output_tokens: 0 },
      },
      parent_tool_use_id: null,
      error: "authentication_failed",
      is_api_error_message: true,
    });
    result({
      subtype: "success",
      is_error: true,
      result: "Not logged in · Please run /login",
      terminal_reason: "api_error",
      total_cost_usd: 0,
      usage: {
        input_tokens: 0,
        output_tokens: 0,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
      modelUsage: {},
    });
    process.exit(1);
    break;
  case "max-turns":
    result({
      subtype: "error_max_turns",
      is_error: true,
      errors: ["Reached maximum number of turns (1)"],
      terminal_reason: "max_turns",
      total_cost_usd: 0.001,
      usage: {
        input_tokens: 10,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
    process.exit(1);
    break;
  case "crash":
    process.stderr.write("fatal: fake-claude crashed\n");
    process.exit(2);
    break;
  case "hang":
  case "retry-loop": {
    let attempt = 0;
    every(scenario === "hang" ? 1000 : 20, () => {
      attempt += 1;
      stream({
        type: "system",
        subtype: "api_retry",
        attempt,
        max_retries: 10,
        retry_delay_ms: 500,
        error_status: null,
        error: "unknown",
      });
    });
    break;
  }
  case "leak":
    spawnGrandchild();
    every(1000, () =>
      stream({
        type: "system",
        subtype: "api_retry",
        attempt: 1,
        max_retries: 10,
        retry_delay_ms: 500,
        error_status: 500,
        error: "server_error",
      }),
    );
    break;
  default: {
    if (scenario === "tool") {
      stream({
        type: "assistant",
        message: {
          id: "msg_1",
          type: "message",
          role: "assistant",
          model,
          content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls" } }],
          stop_reason: null,
          usage: {
            input_tokens: 1500,
            output_tokens: 1,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
        parent_tool_use_id: null,
      });
      stream({
        type: "user",
        message: {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "a", is_error: false }],
        },
        parent_tool_use_id: null,
      });
    }
    stream({
      type: "assistant",
      message: {
        id: "msg_2",
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text }],
        stop_reason: null,
        usage: {
          input_tokens: 1500,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
      parent_tool_use_id: null,
    });
    result({
      subtype: "success",
      is_error: false,
      result: text,
      stop_reason: "end_turn",
      terminal_reason: "completed",
      total_cost_usd: 0.0123,
      usage: {
        input_tokens: 3000,
        cache_creation_input_tokens: 200,
        cache_read_input_tokens: 600,
        output_tokens: 84,
        output_tokens_details: { thinking_tokens: 9 },
      },
      modelUsage: {
        [model]: {
          inputTokens: 3000,
          outputTokens: 84,
          cacheReadInputTokens: 600,
          cacheCreationInputTokens: 200,
          costUSD: 0.0123,
        },
      },
    });
    process.exit(0);
  }
}
