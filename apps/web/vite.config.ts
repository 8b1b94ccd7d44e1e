import { defineConfig } from "vite";

// The bundle is served by `millrace serve` under a strict Content-Security-Policy: no inline
// script or style, so assets are always emitted as files.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
  },
});
