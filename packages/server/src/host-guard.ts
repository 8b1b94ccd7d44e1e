/**
 * DNS-rebinding defence: a page on another site can make a browser send requests to a loopback
 * port under a name it controls. Such requests carry that name in `Host` (and its origin in
 * `Origin`), so only the address the server is bound to, and its loopback aliases, are accepted.
 */

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `host:port` forms a request may name: the bound host, plus the loopback aliases when it is loopback. */
export function allowedAuthorities(host: string, port: number): Set<string> {
  const bracketed = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const names = new Set([bracketed.toLowerCase()]);
  if (isLoopbackHost(host)) for (const name of LOOPBACK_NAMES) names.add(name);
  return new Set([...names].map((name) => `${name}:${port}`));
}

/** Why a request is refused (a one-line reason), or undefined when its Host and Origin are ours. */
export function refusedAuthority(
  allowed: ReadonlySet<string>,
  hostHeader: string | undefined,
  originHeader: string | undefined,
): string | undefined {
  const host = hostHeader?.toLowerCase();
  if (!host || !allowed.has(host)) return `Host ${JSON.stringify(hostHeader ?? "")} is not this server`;
  if (originHeader === undefined) return undefined;
  let origin: URL;
  try {
    origin = new URL(originHeader);
  } catch {
    return `Origin ${JSON.stringify(originHeader)} is not this server`;
  }
  if (origin.protocol !== "http:" || !allowed.has(origin.host.toLowerCase())) {
    return `Origin ${JSON.stringify(originHeader)} is not this server`;
  }
  return undefined;
}
