// A loopback stand-in for the model APIs the agent CLIs call. It speaks just enough of OpenAI
// Responses SSE (`POST /v1/responses`, Codex; Pi when configured that way) and Anthropic Messages
// SSE (`POST /v1/messages`, Claude Code and Pi) to drive one scripted conversation:
//
//   turn 1: the model calls the CLI's own shell tool with `shellCommand`;
//   turn 2: after the tool result comes back, the model answers with `finalText`.
//
// The turn is derived from the request itself (does the history already hold a tool result?), so the
// server is stateless per conversation and tolerant of the side requests some CLIs make (titles,
// summaries): a request that offers no shell tool gets a short plain answer. Every request is recorded
// so tests can assert what the CLI sent.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeModelUsage {
  /** Input tokens the model call consumed, cache reads excluded. */
  input: number;
  /** Input tokens read from the prompt cache. */
  cacheRead: number;
  /** Input tokens written to the prompt cache (Anthropic only). */
  cacheWrite: number;
  output: number;
  /** Reasoning tokens (OpenAI only). */
  reasoning: number;
}

export interface FakeModelScript {
  /** The shell command turn 1 asks the agent to run (through the CLI's own shell tool). */
  shellCommand: string;
  /** The final assistant text of turn 2. */
  finalText: string;
  /** Usage reported for every model call. */
  usage: FakeModelUsage;
  /** When set, every model call is refused with this HTTP status (e.g. 401) instead of answered. */
  failStatus?: number;
  /** When true, every model call is accepted and never answered (a hung provider). */
  hang?: boolean;
}

export type FakeModelApi = "openai-responses" | "anthropic-messages" | "other";

/** What the server decided to answer a request with. */
export type FakeModelReply = "tool_call" | "final_text" | "side_text" | "refused" | "hung" | "not_found";

export interface RecordedRequest {
  api: FakeModelApi;
  method: string;
  /** Path including the query string, e.g. `/v1/messages?beta=true`. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  reply: FakeModelReply;
  /** Name of the shell tool the request offered, when it offered one. */
  shellToolName?: string;
}

export interface FakeModelServer {
  /** `http://127.0.0.1:<port>` with no trailing slash. */
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests that carried a tool call or tool result: the scripted conversation itself. */
  conversation(api?: FakeModelApi): RecordedRequest[];
  close(): Promise<void>;
}

export const DEFAULT_USAGE: FakeModelUsage = {
  input: 1000,
  cacheRead: 200,
  cacheWrite: 100,
  output: 40,
  reasoning: 8,
};

/** Shell tools of the CLIs we drive, by the name each CLI gives it. */
const SHELL_TOOLS = ["exec_command", "shell", "Bash", "bash"] as const;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toolNames(body: Json): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.flatMap((tool) => {
    if (!isRecord(tool)) return [];
    if (typeof tool.name === "string") return [tool.name];
    // Chat-completions style `{type:"function", function:{name}}`.
    if (isRecord(tool.function) && typeof tool.function.name === "string") return [tool.function.name];
    return [];
  });
}

function pickShellTool(body: Json): string | undefined {
  const names = toolNames(body);
  return SHELL_TOOLS.find((name) => names.includes(name));
}

/** Tool arguments in the shape each shell tool expects. */
function shellArguments(tool: string, command: string): Json {
  switch (tool) {
    case "exec_command":
      return { cmd: command };
    case "shell":
      return { command: ["bash", "-lc", command] };
    case "Bash":
      return { command, description: "Write the contract proof file" };
    default:
      return { command };
  }
}

/**
 * Codex's "code mode" models get no plain function tools: one custom `exec` tool (offered inside an
 * `additional_tools` input item) runs JavaScript that calls the nested tools, e.g. exec_command.
 */
function offersCodeModeExec(body: Json): boolean {
  const input = Array.isArray(body.input) ? body.input : [];
  return input.some(
    (item) =>
      isRecord(item) &&
      item.type === "additional_tools" &&
      Array.isArray(item.tools) &&
      item.tools.some(
        (space) =>
          isRecord(space) &&
          Array.isArray(space.tools) &&
          space.tools.some((tool) => isRecord(tool) && tool.type === "custom" && tool.name === "exec"),
      ),
  );
}

function codeModeSource(command: string): string {
  return `const result = await tools.exec_command({ cmd: ${JSON.stringify(command)} });\ntext(result);\n`;
}

function responsesHasToolResult(body: Json): boolean {
  const input = Array.isArray(body.input) ? body.input : [];
  return input.some(
    (item) =>
      isRecord(item) &&
      (item.type === "function_call_output" ||
        item.type === "custom_tool_call_output" ||
        item.type === "local_shell_call_output"),
  );
}

function messagesHasToolResult(body: Json): boolean {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (!isRecord(last) || !Array.isArray(last.content)) return false;
  return last.content.some((block) => isRecord(block) && block.type === "tool_result");
}

class SseWriter {
  constructor(private readonly res: http.ServerResponse) {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
  }
  event(name: string, data: Json): void {
    this.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  end(): void {
    this.res.end();
  }
}

let idCounter = 0;
function nextId(prefix: string): string {
  idCounter += 1;
  return `${prefix}_fake${String(idCounter).padStart(6, "0")}`;
}

function openAiUsage(usage: FakeModelUsage): Json {
  const input = usage.input + usage.cacheRead;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cacheRead },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning },
    total_tokens: input + usage.output,
  };
}

function streamResponses(res: http.ServerResponse, body: Json, output: Json, usage: FakeModelUsage): void {
  const sse = new SseWriter(res);
  let sequence = 0;
  const send = (type: string, data: Json) => sse.event(type, { type, sequence_number: sequence++, ...data });
  const responseId = nextId("resp");
  const model = typeof body.model === "string" ? body.model : "fake-model";
  const base = {
    id: responseId,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model,
    output: [] as Json[],
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
  };
  send("response.created", { response: { ...base, status: "in_progress" } });
  send("response.in_progress", { response: { ...base, status: "in_progress" } });
  const inProgress =
    output.type === "message"
      ? { ...output, content: [] }
      : output.type === "custom_tool_call"
        ? { ...output, input: "" }
        : { ...output, arguments: "" };
  send("response.output_item.added", { output_index: 0, item: { ...inProgress, status: "in_progress" } });
  if (output.type === "message") {
    const text = String((output.content as Json[])[0]?.text ?? "");
    const part = { type: "output_text", text: "", annotations: [] };
    send("response.content_part.added", { item_id: output.id, output_index: 0, content_index: 0, part });
    // Two deltas, so clients that assemble text from deltas are exercised too.
    const half = Math.floor(text.length / 2);
    for (const delta of [text.slice(0, half), text.slice(half)]) {
      send("response.output_text.delta", { item_id: output.id, output_index: 0, content_index: 0, delta });
    }
    send("response.output_text.done", { item_id: output.id, output_index: 0, content_index: 0, text });
    send("response.content_part.done", {
      item_id: output.id,
      output_index: 0,
      content_index: 0,
      part: { ...part, text },
    });
  } else if (output.type === "custom_tool_call") {
    const input = String(output.input);
    send("response.custom_tool_call_input.delta", { item_id: output.id, output_index: 0, delta: input });
    send("response.custom_tool_call_input.done", { item_id: output.id, output_index: 0, input });
  } else {
    const args = String(output.arguments);
    send("response.function_call_arguments.delta", { item_id: output.id, output_index: 0, delta: args });
    send("response.function_call_arguments.done", { item_id: output.id, output_index: 0, arguments: args });
  }
  send("response.output_item.done", { output_index: 0, item: output });
  send("response.completed", {
    response: { ...base, status: "completed", output: [output], usage: openAiUsage(usage) },
  });
  sse.end();
}

function anthropicUsage(usage: FakeModelUsage, output: number): Json {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite,
    cache_read_input_tokens: usage.cacheRead,
    output_tokens: output,
  };
}

type AnthropicBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Json };

function streamMessages(
  res: http.ServerResponse,
  body: Json,
  block: AnthropicBlock,
  usage: FakeModelUsage,
): void {
  const sse = new SseWriter(res);
  const model = typeof body.model === "string" ? body.model : "fake-model";
  const stopReason = block.type === "tool_use" ? "tool_use" : "end_turn";
  sse.event("message_start", {
    type: "message_start",
    message: {
      id: nextId("msg"),
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(usage, 1),
    },
  });
  if (block.type === "text") {
    sse.event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "text", text: "" },
    });
    const half = Math.floor(block.text.length / 2);
    for (const text of [block.text.slice(0, half), block.text.slice(half)]) {
      sse.event("content_block_delta", {
        type: "content_block_delta",
        index: 0,
        delta: { type: "text_delta", text },
      });
    }
  } else {
    sse.event("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
    });
    sse.event("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) },
    });
  }
  sse.event("content_block_stop", { type: "content_block_stop", index: 0 });
  sse.event("message_delta", {
    type: "message_delta",
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output },
  });
  sse.event("message_stop", { type: "message_stop" });
  sse.end();
}

function messagesJson(
  res: http.ServerResponse,
  body: Json,
  block: AnthropicBlock,
  usage: FakeModelUsage,
): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      id: nextId("msg"),
      type: "message",
      role: "assistant",
      model: typeof body.model === "string" ? body.model : "fake-model",
      content: [block],
      stop_reason: block.type === "tool_use" ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: anthropicUsage(usage, usage.output),
    }),
  );
}

/** An API error body in the shape each API uses. */
function refuse(res: http.ServerResponse, api: FakeModelApi, status: number): void {
  const message = `fake model server refuses every call with ${status}`;
  const body =
    api === "anthropic-messages"
      ? { type: "error", error: { type: status === 401 ? "authentication_error" : "api_error", message } }
      : { error: { message, type: status === 401 ? "invalid_request_error" : "server_error", code: null } };
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the fake on 127.0.0.1 with an ephemeral port. */
export async function startFakeModelServer(
  script: Partial<FakeModelScript> & Pick<FakeModelScript, "shellCommand" | "finalText">,
): Promise<FakeModelServer> {
  const usage = script.usage ?? DEFAULT_USAGE;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import("node:net").Socket>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { type: "fake_server_error", message: String(error) } }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown = raw;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {}
    const url = req.url ?? "/";
    const pathname = url.split("?")[0] ?? "/";
    const record: RecordedRequest = {
      api: "other",
      method: req.method ?? "GET",
      url,
      headers: req.headers,
      body,
      reply: "not_found",
    };
    requests.push(record);
    const json = isRecord(body) ? body : {};

    if (script.hang === true && req.method === "POST" && /\/(responses|messages)$/.test(pathname)) {
      record.api = pathname.endsWith("/responses") ? "openai-responses" : "anthropic-messages";
      record.reply = "hung";
      // Headers only, then silence: the socket stays open until the client gives up or close().
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      return;
    }

    if (
      script.failStatus !== undefined &&
      req.method === "POST" &&
      /\/(responses|messages)$/.test(pathname)
    ) {
      record.api = pathname.endsWith("/responses") ? "openai-responses" : "anthropic-messages";
      record.reply = "refused";
      refuse(res, record.api, script.failStatus);
      return;
    }

    if (req.method === "POST" && pathname.endsWith("/responses")) {
      record.api = "openai-responses";
      const codeMode = pickShellTool(json) === undefined && offersCodeModeExec(json);
      const tool = codeMode ? "exec" : pickShellTool(json);
      if (tool !== undefined) record.shellToolName = tool;
      let output: Json;
      if (responsesHasToolResult(json) || tool === undefined) {
        record.reply = tool === undefined ? "side_text" : "final_text";
        const text = tool === undefined ? "ok" : script.finalText;
        output = {
          type: "message",
          id: nextId("msg"),
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text, annotations: [] }],
        };
      } else if (codeMode) {
        record.reply = "tool_call";
        output = {
          type: "custom_tool_call",
          id: nextId("ctc"),
          call_id: nextId("call"),
          name: "exec",
          input: codeModeSource(script.shellCommand),
          status: "completed",
        };
      } else {
        record.reply = "tool_call";
        output = {
          type: "function_call",
          id: nextId("fc"),
          call_id: nextId("call"),
          name: tool,
          arguments: JSON.stringify(shellArguments(tool, script.shellCommand)),
          status: "completed",
        };
      }
      streamResponses(res, json, output, usage);
      return;
    }

    if (req.method === "POST" && pathname.endsWith("/messages")) {
      record.api = "anthropic-messages";
      const tool = pickShellTool(json);
      if (tool !== undefined) record.shellToolName = tool;
      let block: AnthropicBlock;
      if (messagesHasToolResult(json) || tool === undefined) {
        record.reply = tool === undefined ? "side_text" : "final_text";
        block = { type: "text", text: tool === undefined ? "ok" : script.finalText };
      } else {
        record.reply = "tool_call";
        block = {
          type: "tool_use",
          id: nextId("toolu"),
          name: tool,
          input: shellArguments(tool, script.shellCommand),
        };
      }
      if (json.stream === true) streamMessages(res, json, block, usage);
      else messagesJson(res, json, block, usage);
      return;
    }

    if (req.method === "POST" && pathname.endsWith("/messages/count_tokens")) {
      record.api = "anthropic-messages";
      record.reply = "side_text";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ input_tokens: usage.input }));
      return;
    }

    res.writeHead(404, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ error: { type: "not_found_error", message: `fake model server: no route ${url}` } }),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    conversation(api) {
      return requests.filter(
        (r) => (r.reply === "tool_call" || r.reply === "final_text") && (api === undefined || r.api === api),
      );
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
