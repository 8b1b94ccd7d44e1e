import { describe, expect, it } from "vitest";
import { pageQuery, pageSteps, showing } from "../src/pages/pager.js";

const route = (arg?: string) => ({ workspace: "repo", page: "queue" as const, arg });

describe("listing pages", () => {
  it("pass the route's offset to the API, encoded", () => {
    expect(pageQuery(route())).toBe("");
    expect(pageQuery(route("100"))).toBe("?offset=100");
    expect(pageQuery(route("1&all=1"))).toBe("?offset=1%26all%3D1");
  });

  it("step back by a page (never below 0) and forward to next_offset", () => {
    expect(pageSteps({ total: 0, limit: 100, offset: 0, next_offset: null })).toEqual({
      previous: null,
      next: null,
    });
    expect(pageSteps({ total: 250, limit: 100, offset: 0, next_offset: 100 })).toEqual({
      previous: null,
      next: 100,
    });
    expect(pageSteps({ total: 250, limit: 100, offset: 200, next_offset: null })).toEqual({
      previous: 100,
      next: null,
    });
    expect(pageSteps({ total: 250, limit: 100, offset: 30, next_offset: 130 }).previous).toBe(0);
    expect(pageSteps({ total: 250, limit: null, offset: 30, next_offset: null }).previous).toBe(0);
  });

  it("say how many of how many are shown", () => {
    expect(showing(0, 0, "items")).toBe("Showing 0 of 0 items");
    expect(showing(100, 12345, "runs")).toBe("Showing 100 of 12,345 runs");
  });
});
