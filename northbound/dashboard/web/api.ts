// The dashboard's only way to the controller: fetch with the bearer token, problem+json errors as exceptions.
// Nothing is fetched without a token.
const TOKEN_KEY = 'sdn.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function token(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function setToken(t: string | undefined): void {
  if (t === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
}

/** Called when the controller refuses the token: main.ts shows the login again. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string } = {},
): Promise<T> {
  const t = init.token ?? token();
  if (!t) throw new ApiError(401, 'not logged in');
  const r = await fetch(`/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${t}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await r.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!r.ok) {
    if (r.status === 401 && init.token === undefined) onUnauthorized();
    const detail = (json as { detail?: string } | undefined)?.detail ?? r.statusText;
    throw new ApiError(r.status, detail);
  }
  return json as T;
}
