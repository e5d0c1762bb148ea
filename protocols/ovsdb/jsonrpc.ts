// JSON-RPC 1.0 as RFC 7047 section 4 uses it: a request has method, params (an array) and id; a notification is a
// request whose id is null; a response has result, error (one of them null) and the id of its request.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type RpcMessage =
  | {
      readonly kind: 'request';
      readonly method: string;
      readonly params: readonly unknown[];
      readonly id: Json;
    }
  | { readonly kind: 'notification'; readonly method: string; readonly params: readonly unknown[] }
  | { readonly kind: 'result'; readonly id: Json; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: Json; readonly error: unknown };

export type RpcDecodeResult =
  { readonly ok: true; readonly message: RpcMessage } | { readonly ok: false; readonly error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies one parsed JSON text; anything that is not a JSON-RPC 1.0 message is an error value. */
export function decodeRpc(value: unknown): RpcDecodeResult {
  if (!isRecord(value)) return { ok: false, error: 'a JSON-RPC message must be an object' };
  if ('method' in value) {
    const { method, params, id } = value;
    if (typeof method !== 'string') return { ok: false, error: 'request method is not a string' };
    if (!Array.isArray(params)) return { ok: false, error: `params of "${method}" is not an array` };
    if (id === undefined) return { ok: false, error: `request "${method}" has no id` };
    if (id === null) return { ok: true, message: { kind: 'notification', method, params } };
    return { ok: true, message: { kind: 'request', method, params, id: id as Json } };
  }
  if ('result' in value || 'error' in value) {
    if (value.id === undefined || value.id === null) return { ok: false, error: 'response without an id' };
    const id = value.id as Json;
    if (value.error !== undefined && value.error !== null)
      return { ok: true, message: { kind: 'error', id, error: value.error } };
    return { ok: true, message: { kind: 'result', id, result: value.result ?? null } };
  }
  return { ok: false, error: 'object is neither a request nor a response' };
}

export function encodeRequest(method: string, params: readonly unknown[], id: Json): string {
  return JSON.stringify({ method, params, id });
}

export function encodeNotification(method: string, params: readonly unknown[]): string {
  return JSON.stringify({ method, params, id: null });
}

export function encodeResult(id: Json, result: unknown): string {
  return JSON.stringify({ result, error: null, id });
}

export function encodeError(id: Json, error: unknown): string {
  return JSON.stringify({ result: null, error, id });
}

/** The text of an error member, which ovsdb-server sends as a string or as {error, details}. */
export function describeRpcError(error: unknown): string {
  if (typeof error === 'string') return error;
  if (isRecord(error)) {
    const head = typeof error.error === 'string' ? error.error : JSON.stringify(error);
    return typeof error.details === 'string' ? `${head}: ${error.details}` : head;
  }
  return JSON.stringify(error);
}
