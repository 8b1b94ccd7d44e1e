// The fake model server on its own (no CLI needed): the SSE event sequences each API client expects,
// the two-turn script, side requests and unknown routes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeModelServer, startFakeModelServer } from "../src/fake-model-server.js";

function parseSse(text: string): { event: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? "";
      const data = JSON.parse(/^data: (.*)$/m.exec(chunk)?.[1] ?? "{}") as Record<string, unknown>;
      return { event, data };
    });
}

async function post(server: FakeModelServer, url: string, body: unknown) {
  const response = await fetch(`${server.origin}${url}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

describe("fake model server", () => {
  let server: FakeModelServer;
  beforeEach(async () => {
    server = await startFakeModelServer({
      shellCommand: "printf ok > f",
      finalText: "done\n### BUILDER_COMPLETE",
    });
  });
  afterEach(() => server.close());

  it("listens on loopback only", () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("Responses: calls exec_command first, answers with text after the tool output", async () => {
    const tools = [{ type: "function", name: "exec_command", parameters: {} }];
    const first = await post(server, "/v1/responses", { model: "m", stream: true, tools, input: [] });
    expect(first.type).toBe("text/event-stream");
    const events = parseSse(first.text);
    expect(events.map((e) => e.event)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
    const call = events[5]?.data.item as Record<string, unknown>;
    expect(call).toMatchObject({ type: "function_call", name: "exec_command" });
    expect(JSON.parse(String(call.arguments))).toEqual({ cmd: "printf ok > f" });
    const completed = events[6]?.data.response as { usage: Record<string, unknown> };
    expect(completed.usage).toMatchObject({
      input_tokens: 1200,
      input_tokens_details: { cached_tokens: 200 },
      output_tokens: 40,
      output_tokens_details: { reasoning_tokens: 8 },
      total_tokens: 1240,
    });

    const input = [{ type: "function_call_output", call_id: call.call_id, output: "" }];
    const second = parseSse((await post(server, "/v1/responses", { stream: true, tools, input })).text);
    const deltas = second.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta);
    expect(deltas.join("")).toBe("done\n### BUILDER_COMPLETE");
    const message = second.find((e) => e.event === "response.output_item.done")?.data.item;
    expect(message).toMatchObject({
      type: "message",
      role: "assistant",
      content: [{ type: "output_text", text: "done\n### BUILDER_COMPLETE" }],
    });
    expect(server.conversation("openai-responses").map((r) => r.reply)).toEqual(["tool_call", "final_text"]);
  });

  it("Responses: answers Codex code mode (only a custom exec tool) with JavaScript calling exec_command", async () => {
    const input = [
      {
        type: "additional_tools",
        tools: [{ type: "namespace", name: "functions", tools: [{ type: "custom", name: "exec" }] }],
      },
    ];
    const events = parseSse((await post(server, "/v1/responses", { stream: true, input })).text);
    const item = events.find((e) => e.event === "response.output_item.done")?.data.item as Record<
      string,
      unknown
    >;
    expect(item).toMatchObject({ type: "custom_tool_call", name: "exec" });
    expect(String(item.input)).toContain('tools.exec_command({ cmd: "printf ok > f" })');
    const next = [...input, { type: "custom_tool_call_output", call_id: item.call_id, output: [] }];
    await post(server, "/v1/responses", { stream: true, input: next });
    expect(server.conversation().map((r) => [r.reply, r.shellToolName])).toEqual([
      ["tool_call", "exec"],
      ["final_text", "exec"],
    ]);
  });

  it("Messages: streams a Bash tool_use, then the final text with usage", async () => {
    const tools = [{ name: "Bash", input_schema: {} }];
    const user = { role: "user", content: [{ type: "text", text: "go" }] };
    const first = parseSse(
      (await post(server, "/v1/messages?beta=true", { stream: true, tools, messages: [user] })).text,
    );
    expect(first.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const block = first[1]?.data.content_block as Record<string, unknown>;
    expect(block).toMatchObject({ type: "tool_use", name: "Bash" });
    const delta = first[2]?.data.delta as { type: string; partial_json: string };
    expect(delta.type).toBe("input_json_delta");
    expect(JSON.parse(delta.partial_json)).toMatchObject({ command: "printf ok > f" });
    expect(first[4]?.data).toMatchObject({
      delta: { stop_reason: "tool_use" },
      usage: { output_tokens: 40 },
    });
    expect(first[0]?.data.message).toMatchObject({
      usage: { input_tokens: 1000, cache_read_input_tokens: 200, cache_creation_input_tokens: 100 },
    });

    const result = { role: "user", content: [{ type: "tool_result", tool_use_id: block.id, content: "" }] };
    const second = parseSse(
      (
        await post(server, "/v1/messages", {
          stream: true,
          tools,
          messages: [user, { role: "assistant" }, result],
        })
      ).text,
    );
    const text = second
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data.delta as { text: string }).text)
      .join("");
    expect(text).toBe("done\n### BUILDER_COMPLETE");
    expect(second.find((e) => e.event === "message_delta")?.data).toMatchObject({
      delta: { stop_reason: "end_turn" },
    });
  });

  it("Messages: picks Pi's lower-case bash tool and answers non-streaming requests as JSON", async () => {
    const reply = await post(server, "/v1/messages", {
      stream: false,
      tools: [{ name: "bash" }],
      messages: [{ role: "user", content: "go" }],
    });
    expect(reply.type).toBe("application/json");
    expect(JSON.parse(reply.text)).toMatchObject({
      content: [{ type: "tool_use", name: "bash", input: { command: "printf ok > f" } }],
      stop_reason: "tool_use",
    });
  });

  it("answers side requests without a shell tool with a short text, outside the conversation", async () => {
    const reply = parseSse((await post(server, "/v1/messages", { stream: true, messages: [] })).text);
    const text = reply
      .filter((e) => e.event === "content_block_delta")
      .map((e) => (e.data.delta as { text: string }).text)
      .join("");
    expect(text).toBe("ok");
    expect(server.requests.map((r) => r.reply)).toEqual(["side_text"]);
    expect(server.conversation()).toEqual([]);
  });

  it("refuses every model call with the configured status, in each API's error shape", async () => {
    const failing = await startFakeModelServer({ shellCommand: "true", finalText: "x", failStatus: 401 });
    try {
      const messages = await post(failing, "/v1/messages?beta=true", { stream: true });
      expect(messages.status).toBe(401);
      expect(JSON.parse(messages.text)).toMatchObject({
        type: "error",
        error: { type: "authentication_error" },
      });
      const responses = await post(failing, "/v1/responses", { stream: true });
      expect(responses.status).toBe(401);
      expect(JSON.parse(responses.text)).toMatchObject({ error: { type: "invalid_request_error" } });
      expect(failing.requests.map((r) => r.reply)).toEqual(["refused", "refused"]);
      expect(failing.conversation()).toEqual([]);
    } finally {
      await failing.close();
    }
  });

  it("rejects unknown routes with 404 and records them", async () => {
    const reply = await post(server, "/v1/chat/completions", {});
    expect(reply.status).toBe(404);
    expect(reply.text).toContain("no route /v1/chat/completions");
    expect(server.requests).toMatchObject([
      { api: "other", reply: "not_found", url: "/v1/chat/completions" },
    ]);
  });
});
