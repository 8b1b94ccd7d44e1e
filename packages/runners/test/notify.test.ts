import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { postWebhook, runNotifyCommand } from "../src/index.js";

const node = process.execPath;

describe("runNotifyCommand: a notification command, argv only, with a deadline", () => {
  it("hands the payload to stdin and captures the output", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "millrace-notify-"));
    const file = path.join(dir, "payload.json");
    const result = await runNotifyCommand(
      [
        node,
        "-e",
        "const fs=require('node:fs');fs.writeFileSync(process.argv[1],fs.readFileSync(0));console.log('sent')",
        file,
      ],
      { input: '{"grade":"hung"}', timeoutMs: 10_000 },
    );
    expect(result).toMatchObject({ ok: true, exitCode: 0, timedOut: false, detail: "exit 0" });
    expect(result.stdout).toBe("sent\n");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ grade: "hung" });
  });

  it("never goes through a shell: metacharacters are plain arguments", async () => {
    const result = await runNotifyCommand(
      [node, "-e", "console.log(process.argv[1])", "$(echo hi); rm -rf /"],
      {
        input: "",
        timeoutMs: 10_000,
      },
    );
    expect(result.stdout).toBe("$(echo hi); rm -rf /\n");
  });

  it("reports a non-zero exit with the first stderr line, without throwing", async () => {
    const result = await runNotifyCommand(
      [node, "-e", "console.error('no route to pager\\nmore');process.exit(3)"],
      {
        input: "",
        timeoutMs: 10_000,
      },
    );
    expect(result).toMatchObject({ ok: false, exitCode: 3, detail: "exit 3: no route to pager" });
  });

  it("stops a command that outlives its deadline", async () => {
    const result = await runNotifyCommand([node, "-e", "setInterval(() => {}, 1000)"], {
      input: "",
      timeoutMs: 300,
    });
    expect(result).toMatchObject({ ok: false, timedOut: true, detail: "timed out after 300 ms" });
  });

  it("reports a command that cannot start, and an empty argv", async () => {
    const missing = await runNotifyCommand(["/nonexistent/millrace-notify"], { input: "", timeoutMs: 1000 });
    expect(missing.ok).toBe(false);
    expect(missing.detail).toMatch(/^cannot start: /);
    expect(await runNotifyCommand([], { input: "", timeoutMs: 1000 })).toMatchObject({
      ok: false,
      detail: "no command given",
    });
  });
});

describe("postWebhook: a JSON POST with a deadline", () => {
  it("posts the body and reports the status; an unreachable or slow receiver is a value, not a throw", async () => {
    const bodies: unknown[] = [];
    let delay = 0;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        bodies.push({
          type: request.headers["content-type"],
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        setTimeout(() => response.writeHead(204).end(), delay);
      });
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      expect(await postWebhook(url, { grade: "quiet" }, 5000)).toEqual({
        ok: true,
        status: 204,
        detail: "HTTP 204",
      });
      expect(bodies).toEqual([{ type: "application/json", body: { grade: "quiet" } }]);
      delay = 2000;
      expect(await postWebhook(url, {}, 200)).toEqual({
        ok: false,
        status: null,
        detail: "timed out after 200 ms",
      });
    } finally {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
    const refused = await postWebhook(url, {}, 2000);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toMatch(/^failed: /);
  });
});
