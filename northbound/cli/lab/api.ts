// A small client for the controller's REST API (/api/v1), as the lab needs it: create-or-reuse by name, delete
// what it made. Errors carry the API's problem detail so that `lab up` says what the controller refused.
export type Row = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    readonly base: string,
    private readonly token: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, this.base).toString();
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new ApiError(
        0,
        `controller API ${this.base} is not reachable (${why}); start it, or use --no-controller`,
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text for the message */
    }
    return { status: res.status, body: parsed };
  }

  /** POST that must succeed; the error names the route and the controller's reason. */
  async create(path: string, body: Row): Promise<Row> {
    const res = await this.request('POST', path, body);
    if (res.status >= 200 && res.status < 300 && isRow(res.body)) return res.body;
    throw new ApiError(
      res.status,
      `POST ${path} ${JSON.stringify(body)}: ${res.status} ${problem(res.body)}`,
    );
  }

  async get(path: string): Promise<unknown> {
    const res = await this.request('GET', path);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new ApiError(res.status, `GET ${path}: ${res.status} ${problem(res.body)}`);
  }

  /** DELETE; a 404 counts as done. */
  async remove(path: string): Promise<void> {
    const res = await this.request('DELETE', path);
    if (res.status === 404 || (res.status >= 200 && res.status < 300)) return;
    throw new ApiError(res.status, `DELETE ${path}: ${res.status} ${problem(res.body)}`);
  }

  /**
   * Creates a resource, or on 409 finds the existing one: it lists `path` with the `query` filters and picks the
   * row whose fields equal `match`. Returns the row and whether this call created it.
   */
  async ensure(
    path: string,
    body: Row,
    query: Record<string, string>,
    match: Row,
  ): Promise<{ row: Row; created: boolean }> {
    const res = await this.request('POST', path, body);
    if (res.status >= 200 && res.status < 300 && isRow(res.body)) return { row: res.body, created: true };
    const refused = `POST ${path} ${JSON.stringify(body)}: ${res.status} ${problem(res.body)}`;
    if (res.status !== 409) throw new ApiError(res.status, refused);
    const found = rows(await this.get(`${path}?${new URLSearchParams(query).toString()}`)).find((r) =>
      Object.entries(match).every(([k, v]) => String(r[k]) === String(v)),
    );
    if (!found) throw new ApiError(409, `${refused}, and no existing one matches ${JSON.stringify(match)}`);
    return { row: found, created: false };
  }
}

export function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A list answer: a bare array or a page object ({items} / {data} / {results}). */
export function rows(v: unknown): Row[] {
  if (Array.isArray(v)) return v.filter(isRow);
  if (isRow(v)) {
    for (const key of ['items', 'data', 'results']) {
      const inner = v[key];
      if (Array.isArray(inner)) return inner.filter(isRow);
    }
  }
  return [];
}

export function idOf(row: Row): string {
  const id = row.id;
  if (typeof id !== 'string' && typeof id !== 'number')
    throw new Error(`API answer without id: ${JSON.stringify(row)}`);
  return String(id);
}

export function problem(body: unknown): string {
  if (isRow(body)) {
    const parts = [body.title, body.detail, body.message].filter((p) => typeof p === 'string');
    if (parts.length) return parts.join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body ?? '');
}
