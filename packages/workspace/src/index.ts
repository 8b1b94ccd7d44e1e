export * from "./atomic-write.js";
export * from "./paths.js";
