export * from "./atomic-write.js";
export * from "./paths.js";
export * from "./assets-root.js";
