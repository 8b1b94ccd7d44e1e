// Drives one prompt through `pi --mode rpc` the way spec/runners.md §4.3 describes: auto-retry off,
// prompt, wait for the terminal agent_end, ask for the last assistant text and the session stats,
// then close stdin. Independent of @millrace/runners, so the harness is proven on its own.
import { spawnGroup, watchGroup } from "./spawn-cli.js";

export interface PiRpcTranscript {
  events: Record<string, unknown>[];
  responses: Map<string, Record<string, unknown>>;
  lastAssistantText: string | undefined;
  sessionStats: Record<string, unknown> | undefined;
  stderr: string;
  code: number | null;
  timedOut: boolean;
}

export function runPiRpcPrompt(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; prompt: string; timeoutMs: number },
): Promise<PiRpcTranscript> {
  return new Promise((resolve, reject) => {
    const child = spawnGroup(argv, options);
    const watch = watchGroup(child, options.timeoutMs, reject);
    const events: Record<string, unknown>[] = [];
    const responses = new Map<string, Record<string, unknown>>();
    let pending = "";
    let phase: "prompting" | "querying" | "done" = "prompting";
    const send = (command: Record<string, unknown>) => child.stdin.write(`${JSON.stringify(command)}\n`);

    const finishIfQueried = () => {
      if (phase === "querying" && responses.has("last") && responses.has("stats")) {
        phase = "done";
        child.stdin.end();
      }
    };

    const onLine = (line: string) => {
      if (line.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof value !== "object" || value === null) return;
      const message = value as Record<string, unknown>;
      if (message.type === "response") {
        if (typeof message.id === "string") responses.set(message.id, message);
        if (message.id === "prompt" && message.success === false) {
          phase = "done";
          child.stdin.end();
        }
        finishIfQueried();
        return;
      }
      events.push(message);
      if (message.type === "agent_end" && phase === "prompting") {
        phase = "querying";
        send({ id: "last", type: "get_last_assistant_text" });
        send({ id: "stats", type: "get_session_stats" });
      }
    };

    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      // Split on "\n" only: JSON strings may legally hold U+2028/U+2029.
      let index = pending.indexOf("\n");
      while (index >= 0) {
        onLine(pending.slice(0, index).replace(/\r$/, ""));
        pending = pending.slice(index + 1);
        index = pending.indexOf("\n");
      }
    });
    child.on("close", (code) => {
      watch.settle();
      const last = responses.get("last")?.data as { text?: string } | undefined;
      const stats = responses.get("stats")?.data as Record<string, unknown> | undefined;
      resolve({
        events,
        responses,
        lastAssistantText: last?.text,
        sessionStats: stats,
        stderr: watch.stderr(),
        code,
        timedOut: watch.timedOut(),
      });
    });
    child.stdin.on("error", () => {});
    send({ id: "retry", type: "set_auto_retry", enabled: false });
    send({ id: "prompt", type: "prompt", message: options.prompt });
  });
}
