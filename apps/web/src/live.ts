/**
 * The live connection: one EventSource on the workspace's event stream. The browser reconnects by
 * itself and sends the last message id (`Last-Event-ID`), which the server reads as a log cursor,
 * so a reconnect continues exactly after the last event received. Every event (and the first
 * `ready`) asks the current page to refresh its data; nothing polls on a timer.
 */
export interface LiveEvent {
  id: string;
  event_type: string;
  occurred_at: string;
  /** For stage_completed: which node finished with which outcome (the Flow page marks the edge). */
  outcome?: { plane: string; node_id: string; terminal_result: string };
}

export interface LiveState {
  connected: boolean;
  events: LiveEvent[];
  gaps: number;
}

export function connectLive(
  workspace: string,
  onChange: (state: LiveState, refresh: boolean) => void,
): () => void {
  const state: LiveState = { connected: false, events: [], gaps: 0 };
  const source = new EventSource(`/api/w/${encodeURIComponent(workspace)}/events`);
  source.addEventListener("ready", () => {
    state.connected = true;
    onChange(state, true);
  });
  source.addEventListener("runtime_event", (message) => {
    const event = message as MessageEvent<string>;
    const parsed = JSON.parse(event.data) as {
      event_type: string;
      occurred_at: string;
      data?: Record<string, unknown>;
    };
    const live: LiveEvent = {
      id: event.lastEventId,
      event_type: parsed.event_type,
      occurred_at: parsed.occurred_at,
    };
    const data = parsed.data ?? {};
    if (
      parsed.event_type === "stage_completed" &&
      typeof data.node_id === "string" &&
      typeof data.terminal_result === "string"
    ) {
      live.outcome = {
        plane: String(data.plane),
        node_id: data.node_id,
        terminal_result: data.terminal_result,
      };
    }
    state.events.push(live);
    onChange(state, true);
  });
  source.addEventListener("gap", () => {
    state.gaps++;
    onChange(state, true);
  });
  source.addEventListener("error", () => {
    state.connected = false;
    onChange(state, false);
  });
  return () => source.close();
}
