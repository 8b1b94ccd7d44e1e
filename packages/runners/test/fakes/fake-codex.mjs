#!/usr/bin/env node
// A stand-in for `codex exec` (0.169): same flags, stdin handling, JSONL events, -o file and exit codes.
import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  emit,
  every,
  finalText,
  readStdin,
  record,
  scenario,
  sleep,
  spawnGrandchild,
} from "./fake-common.mjs";

process.on("SIGTERM", () => {
  process.removeAllListeners("SIGTERM");
  process.kill(process.pid, "SIGTERM");
});

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
// Like the real CLI: `codex --version` answers without reading stdin or contacting a network.
if (args[0] === "--version" || args[0] === "-V") {
  process.stdout.write(`codex-cli ${process.env.FAKE_CODEX_VERSION ?? "0.169.0"}\n`);
  process.exit(0);
}
// Like the real CLI: `codex sandbox -- CMD` runs CMD under the Linux sandbox. FAKE_CODEX_SANDBOX=fail
// answers as 0.169 does where the kernel lacks what the sandbox needs; "missing" as a CLI without it.
// FAKE_CODEX_SANDBOX_LOG names a file that gets one line per self-check (tests count the probes).
if (args[0] === "sandbox") {
  if (process.env.FAKE_CODEX_SANDBOX_LOG) appendFileSync(process.env.FAKE_CODEX_SANDBOX_LOG, "sandbox\n");
  if (process.env.FAKE_CODEX_SANDBOX === "fail") {
    fail("Error: sandbox setup failed: landlock_restrict_self: Operation not permitted (os error 1)");
  }
  if (process.env.FAKE_CODEX_SANDBOX === "missing") {
    process.stderr.write("error: unrecognized subcommand 'sandbox'\n\nUsage: codex [OPTIONS] [PROMPT]\n");
    process.exit(2);
  }
  const command = args[1] === "--" ? args.slice(2) : args.slice(1);
  const { spawnSync } = await import("node:child_process");
  const ran = spawnSync(command[0] ?? "/bin/true", command.slice(1), { stdio: "inherit" });
  process.exit(ran.status ?? 1);
}
if (args[0] !== "exec" && args[0] !== "e") fail("fake-codex: expected the exec subcommand");
const opts = { json: false, config: [], addDirs: [], skipGit: false, prompt: undefined };
const VALUE_FLAGS = new Map([
  ["-o", "lastMessage"],
  ["--output-last-message", "lastMessage"],
  ["-m", "model"],
  ["--model", "model"],
  ["-C", "cd"],
  ["--cd", "cd"],
  ["-s", "sandbox"],
  ["--sandbox", "sandbox"],
  ["--output-schema", "schema"],
  ["--profile", "profile"],
  ["-p", "profile"],
]);
for (let i = 1; i < args.length; i += 1) {
  const arg = args[i];
  if (VALUE_FLAGS.has(arg)) opts[VALUE_FLAGS.get(arg)] = args[++i];
  else if (arg === "-c") opts.config.push(args[++i]);
  else if (arg === "--add-dir") opts.addDirs.push(args[++i]);
  else if (arg === "--json") opts.json = true;
  else if (arg === "--skip-git-repo-check") opts.skipGit = true;
  else if (arg === "--ephemeral" || arg === "--dangerously-bypass-approvals-and-sandbox") opts[arg] = true;
  else if (arg.startsWith("-") && arg !== "-") fail(`error: unexpected argument '${arg}' found`);
  else opts.prompt = arg;
}
if (
  opts.sandbox !== undefined &&
  !["read-only", "workspace-write", "danger-full-access"].includes(opts.sandbox)
)
  fail(`error: invalid value '${opts.sandbox}' for '--sandbox <SANDBOX_MODE>'`);
if (opts.sandbox !== undefined && opts["--dangerously-bypass-approvals-and-sandbox"])
  fail("error: the argument '--sandbox' cannot be used with '--dangerously-bypass-approvals-and-sandbox'");
const cwd = opts.cd ?? process.cwd();
function insideGit(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ".git"))) return true;
    if (path.dirname(d) === d) return false;
  }
}
if (!opts.skipGit && !insideGit(cwd))
  fail("Not inside a trusted directory and --skip-git-repo-check was not specified.");
if (opts.schema && !existsSync(opts.schema)) fail(`Failed to read output schema file ${opts.schema}`);

let prompt = "";
if (opts.prompt === undefined || opts.prompt === "-") prompt = await readStdin();
else {
  prompt = opts.prompt;
  if (!process.stdin.isTTY) {
    process.stderr.write("Reading additional input from stdin...\n");
    prompt += `\n<stdin>\n${await readStdin()}\n</stdin>`;
  }
}
record({ stdin: prompt, scenario });
process.stderr.write(`OpenAI Codex (fake)\nworkdir: ${cwd}\nmodel: ${opts.model ?? "gpt-fake"}\n`);

const say = (value) => (opts.json ? emit(value) : undefined);
const text = finalText(prompt);
const usage = {
  input_tokens: 1200,
  cached_input_tokens: 200,
  cache_write_input_tokens: 0,
  output_tokens: 34,
  reasoning_output_tokens: 7,
};
const lastMessage = (content) => opts.lastMessage && writeFileSync(opts.lastMessage, content);

say({ type: "thread.started", thread_id: randomUUID() });
say({ type: "turn.started" });

async function failTurn(message, retries = 0) {
  for (let n = 1; n <= retries; n += 1)
    say({ type: "error", message: `Reconnecting... ${n}/5 (${message})` });
  say({ type: "error", message });
  say({ type: "turn.failed", error: { message } });
  lastMessage("");
  process.exit(1);
}

switch (scenario) {
  case "auth":
    await failTurn(
      "unexpected status 401 Unauthorized: invalid x-api-key, url: http://127.0.0.1/v1/responses",
      2,
    );
    break;
  case "server-error":
    await failTurn(
      "unexpected status 500 Internal Server Error: We're currently experiencing high demand",
      1,
    );
    break;
  case "crash":
    process.stderr.write("thread 'main' panicked at fake-codex: boom\n");
    process.exit(101);
    break;
  case "exit-without-turn":
    process.exit(0);
    break;
  case "hang":
  case "retry-loop": {
    lastMessage("");
    let n = 0;
    every(scenario === "hang" ? 1000 : 20, () => {
      n += 1;
      say({ type: "error", message: `Reconnecting... waiting for network (attempt ${n})` });
    });
    break;
  }
  case "leak": {
    spawnGrandchild();
    every(1000, () => say({ type: "error", message: "Reconnecting... waiting for network" }));
    break;
  }
  case "silent":
    // Says it started, then nothing more: alive, never writing (what a liveness check calls hung).
    every(1000, () => {});
    break;
  case "marker-then-hang":
    say({ type: "item.completed", item: { id: "item_0", type: "agent_message", text } });
    every(1000, () => {});
    break;
  default: {
    if (scenario === "echo-secret") {
      process.stderr.write(`debug: CODEX_API_KEY=${process.env.CODEX_API_KEY}\n`);
      say({
        type: "item.completed",
        item: { id: "item_0", type: "reasoning", text: `key is ${process.env.CODEX_API_KEY}` },
      });
    }
    if (scenario === "garbage") process.stdout.write("this is not json\n\u0000\u0001 binary-ish \n");
    say({
      type: "item.completed",
      item: { id: "item_0", type: "reasoning", text: "**Thinking**\u2028about it" },
    });
    say({
      type: "item.started",
      item: {
        id: "item_1",
        type: "command_execution",
        command: "/bin/bash -lc 'ls'",
        aggregated_output: "",
        exit_code: null,
        status: "in_progress",
      },
    });
    await sleep(5);
    say({
      type: "item.completed",
      item: {
        id: "item_1",
        type: "command_execution",
        command: "/bin/bash -lc 'ls'",
        aggregated_output: "a\n",
        exit_code: 0,
        status: "completed",
      },
    });
    say({ type: "item.completed", item: { id: "item_2", type: "agent_message", text } });
    say({ type: "turn.completed", usage });
    lastMessage(text);
    if (!opts.json) process.stdout.write(`${text}\n`);
    if (scenario === "leak-then-exit") spawnGrandchild();
    process.exit(0);
  }
}
