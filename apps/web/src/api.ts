/** Typed GETs of the dashboard API. Types only come from @millrace/contracts (erased at build). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = (await response.json()) as unknown;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; hint?: string } }).error ?? {};
    throw new ApiError(
      response.status,
      error.code ?? "unknown",
      error.message ?? response.statusText,
      error.hint ?? "",
    );
  }
  return body as T;
}

export const api = (workspace: string) => (suffix: string) =>
  `/api/w/${encodeURIComponent(workspace)}/${suffix}`;
