/** A minimal Server-Sent Events reader for tests: messages as the browser's EventSource sees them. */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: SseMessage[] = [];
  async function next(): Promise<SseMessage> {
    for (;;) {
      const shifted = queue.shift();
      if (shifted) return shifted;
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { event: "message", id: undefined, data: "" };
        let sawField = false;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          sawField = true;
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "event") message.event = value;
          else if (field === "id") message.id = value;
          else if (field === "data") message.data += message.data ? `\n${value}` : value;
        }
        if (sawField) queue.push(message);
        end = buffer.indexOf("\n\n");
      }
    }
  }
  /** The next `count` runtime events (skipping other message kinds, which are returned too). */
  async function events(count: number): Promise<{ events: SseMessage[]; other: SseMessage[] }> {
    const out: SseMessage[] = [];
    const other: SseMessage[] = [];
    while (out.length < count) {
      const message = await next();
      if (message.event === "runtime_event") out.push(message);
      else other.push(message);
    }
    return { events: out, other };
  }
  return { response, next, events, close: () => controller.abort() };
}
