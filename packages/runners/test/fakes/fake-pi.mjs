#!/usr/bin/env node
// A stand-in for `pi --mode rpc` (0.73.1): JSONL commands on stdin, responses and events on stdout,
// per-attempt agent_end with auto-retry events, exit 0 on stdin EOF (leaving tool children behind).
import { randomUUID } from "node:crypto";
import {
  emit,
  every,
  finalText,
  grandchildren,
  record,
  scenario,
  sleep,
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

const args = process.argv.slice(2);
const mode = args[args.indexOf("--mode") + 1];
if (mode !== "rpc") {
  process.stderr.write("fake-pi: only --mode rpc is supported\n");
  process.exit(1);
}
const sessionId = randomUUID();
const model = args.includes("--model") ? args[args.indexOf("--model") + 1] : "fake-model";
const messages = [];
let lastText = "";
let streaming = false;
let autoRetry = true;
const seen = [];

const respond = (id, command, fields) =>
  emit({ ...(id === undefined ? {} : { id }), type: "response", command, ...fields });
const usage = (input) => ({
  input,
  output: 42,
  cacheRead: 300,
  cacheWrite: 100,
  totalTokens: input + 442,
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0.005 },
});

function assistant(content, stopReason, extra = {}) {
  return {
    role: "assistant",
    content,
    api: "anthropic-messages",
    provider: "fake",
    model,
    usage: usage(1500),
    stopReason,
    timestamp: Date.now(),
    ...extra,
  };
}

async function attempt(message) {
  emit({ type: "agent_start" });
  emit({ type: "turn_start" });
  const user = { role: "user", content: [{ type: "text", text: message }], timestamp: Date.now() };
  emit({ type: "message_start", message: user });
  emit({ type: "message_end", message: user });
  return user;
}

async function runPrompt(message) {
  streaming = true;
  const text = finalText(message);
  if (scenario === "hang" || scenario === "leak") {
    if (scenario === "leak") spawnGrandchild();
    await attempt(message);
    let n = 0;
    every(1000, () =>
      emit({
        type: "auto_retry_start",
        attempt: ++n,
        maxAttempts: 3,
        delayMs: 1000,
        errorMessage: "Connection error.",
      }),
    );
    return;
  }
  if (scenario === "crash") {
    await attempt(message);
    process.stderr.write("fake-pi: crashed mid-run\n");
    process.exit(3);
  }
  const failures =
    scenario === "retry-then-success"
      ? 1
      : scenario === "retry-fail"
        ? 3
        : scenario === "error-no-retry"
          ? 1
          : 0;
  for (let n = 1; n <= failures; n += 1) {
    const user = await attempt(message);
    const bad = assistant([], "error", {
      errorMessage:
        scenario === "error-no-retry" ? "401 Unauthorized: invalid x-api-key" : "Connection error.",
    });
    emit({ type: "message_start", message: bad });
    emit({ type: "message_end", message: bad });
    emit({ type: "turn_end", message: bad, toolResults: [] });
    emit({ type: "agent_end", messages: [user, bad] });
    if (scenario === "error-no-retry" || !autoRetry) {
      streaming = false;
      return;
    }
    if (scenario === "retry-fail" && n === failures) {
      emit({ type: "auto_retry_end", success: false, attempt: n, finalError: "Connection error." });
      streaming = false;
      return;
    }
    emit({
      type: "auto_retry_start",
      attempt: n,
      maxAttempts: 3,
      delayMs: 10,
      errorMessage: "Connection error.",
    });
    await sleep(10);
  }
  const user = await attempt(message);
  const run = [user];
  if (scenario === "tool") {
    const call = assistant(
      [{ type: "toolCall", id: "toolu_01", name: "bash", arguments: { command: "ls" } }],
      "toolUse",
    );
    emit({ type: "message_start", message: { ...call, content: [] } });
    emit({
      type: "message_update",
      assistantMessageEvent: { type: "toolcall_end", contentIndex: 0, partial: call },
      message: call,
    });
    emit({ type: "message_end", message: call });
    emit({ type: "tool_execution_start", toolCallId: "toolu_01", toolName: "bash", args: { command: "ls" } });
    emit({
      type: "tool_execution_end",
      toolCallId: "toolu_01",
      toolName: "bash",
      result: { content: [{ type: "text", text: "a\n" }] },
      isError: false,
    });
    emit({ type: "turn_end", message: call, toolResults: [] });
    emit({ type: "turn_start" });
    run.push(call);
  }
  const final = assistant([{ type: "text", text }], "stop");
  emit({ type: "message_start", message: { ...final, content: [] } });
  emit({
    type: "message_update",
    assistantMessageEvent: { type: "text_delta", contentIndex: 0, delta: text, partial: final },
    message: final,
  });
  emit({ type: "message_end", message: final });
  emit({ type: "turn_end", message: final, toolResults: [] });
  run.push(final);
  messages.push(...run);
  lastText = text;
  emit({ type: "agent_end", messages: run });
  if (scenario === "leak-then-idle") spawnGrandchild();
  streaming = false;
}

let buffer = "";
process.stdin.on("data", (chunk) => {
  buffer += chunk.toString("utf8");
  for (let index = buffer.indexOf("\n"); index !== -1; index = buffer.indexOf("\n")) {
    const line = buffer.slice(0, index).replace(/\r$/, "");
    buffer = buffer.slice(index + 1);
    if (line.trim()) handle(line);
  }
});
process.stdin.on("end", () => {
  record({ commands: seen, scenario });
  process.exit(0);
});

function handle(line) {
  let command;
  try {
    command = JSON.parse(line);
  } catch (error) {
    respond(undefined, "parse", { success: false, error: `Failed to parse command: ${error.message}` });
    return;
  }
  seen.push(command);
  const { id, type } = command;
  switch (type) {
    case "get_state":
      respond(id, type, {
        success: true,
        data: {
          model: { id: model, provider: "fake" },
          thinkingLevel: "off",
          isStreaming: streaming,
          sessionId,
          messageCount: messages.length,
        },
      });
      break;
    case "prompt":
      if (scenario === "no-key") {
        respond(id, type, {
          success: false,
          error:
            "No API key found for the selected model.\n\nUse /login or set an API key environment variable.",
        });
        break;
      }
      if (streaming && !command.streamingBehavior) {
        respond(id, type, { success: false, error: "Agent is already streaming" });
        break;
      }
      respond(id, type, { success: true });
      void runPrompt(command.message ?? "");
      break;
    case "abort":
      streaming = false;
      respond(id, type, { success: true });
      break;
    case "set_auto_retry":
      autoRetry = command.enabled !== false;
      respond(id, type, { success: true });
      break;
    case "set_thinking_level":
      respond(id, type, { success: true });
      break;
    case "get_last_assistant_text":
      respond(id, type, { success: true, data: { text: lastText || null } });
      break;
    case "get_session_stats":
      respond(id, type, {
        success: true,
        data: {
          tokens: { input: 1500, output: 42, cacheRead: 300, cacheWrite: 100, total: 1942 },
          cost: 0.005,
        },
      });
      break;
    case "get_messages":
      respond(id, type, { success: true, data: { messages } });
      break;
    default:
      respond(id, type, { success: false, error: `Unknown command: ${type}` });
  }
}
