import type { RunningProcess } from "../process/run-process.js";

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** One JSON command per stdin line; answers are matched to questions by id. */
export class PiRpcClient {
  private readonly pending = new Map<string, (response: Record<string, unknown>) => void>();
  readonly exited: Promise<"exited">;

  constructor(private readonly running: RunningProcess) {
    this.exited = running.outcome.then(() => "exited" as const);
  }

  /** Routes a `response` event to the question waiting for it. */
  answer(response: Record<string, unknown>): void {
    const id = typeof response.id === "string" ? response.id : undefined;
    const resolve = id ? this.pending.get(id) : undefined;
    if (id && resolve) {
      this.pending.delete(id);
      resolve(response);
    }
  }

  send(command: Record<string, unknown>): boolean {
    return this.running.writeStdin(`${JSON.stringify(command)}\n`);
  }

  /** The response, or why none came: Pi exited, or `waitMs` passed. */
  ask(
    id: string,
    command: Record<string, unknown>,
    waitMs: number,
  ): Promise<Record<string, unknown> | "exited" | "timeout"> {
    return Promise.race([
      new Promise<Record<string, unknown>>((resolve) => {
        this.pending.set(id, resolve);
        this.send({ id, ...command });
      }),
      this.exited,
      delay(waitMs).then(() => "timeout" as const),
    ]);
  }
}
