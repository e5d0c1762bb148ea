// RFC 7807 problem details for every error the API returns: validation errors name the field and the reason,
// domain errors keep their message, conflicts on delete list what holds the object. 5xx details stay in the log.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../controller/ops/errors';
import { StoreStorageError } from '../../controller/store/store';

export const PROBLEM_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { field: string; reason: string }[];
  holders?: { kind: string; id: string; name?: string }[];
}

const STATUS: Record<DomainError['kind'], { status: number; title: string }> = {
  invalid: { status: 400, title: 'Invalid request' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  exhausted: { status: 409, title: 'Exhausted' },
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
  ) {
    super(detail);
  }
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldOf(context: string, e: AjvError): string {
  const base = `${context}${e.instancePath}`;
  if (e.keyword === 'required') return `${base}/${String(e.params.missingProperty)}`;
  if (e.keyword === 'additionalProperties') return `${base}/${String(e.params.additionalProperty)}`;
  return base;
}

function reasonOf(e: AjvError): string {
  if (e.keyword === 'required') return 'is required';
  if (e.keyword === 'additionalProperties') return 'is not a known field';
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    return `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  }
  return e.message ?? e.keyword;
}

export function problemOf(err: FastifyError | Error, req: FastifyRequest): ProblemBody {
  const instance = req.url;
  const fe = err as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe.validation) {
    const errors = fe.validation.map((v) => ({
      field: fieldOf(fe.validationContext ?? 'body', v),
      reason: reasonOf(v),
    }));
    const detail = errors.map((e) => `${e.field} ${e.reason}`).join('; ');
    return {
      type: 'urn:sdn:problem:invalid',
      title: 'Invalid request',
      status: 400,
      detail,
      instance,
      errors,
    };
  }
  if (err instanceof DomainError) {
    const { status, title } = STATUS[err.kind];
    return {
      type: `urn:sdn:problem:${err.kind}`,
      title,
      status,
      detail: err.message,
      instance,
      ...(err.field ? { errors: [{ field: err.field, reason: err.message }] } : {}),
      ...(err.holders ? { holders: err.holders.map((h) => ({ ...h })) } : {}),
    };
  }
  if (err instanceof StoreStorageError) {
    return {
      type: 'urn:sdn:problem:storage',
      title: 'Insufficient storage',
      status: 507,
      detail: err.message,
      instance,
    };
  }
  if (err instanceof HttpProblem) {
    return { type: 'about:blank', title: err.title, status: err.status, detail: err.message, instance };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 500) {
    return {
      type: 'about:blank',
      title: 'Internal error',
      status,
      detail: 'the controller failed; see its log',
      instance,
    };
  }
  // Fastify's own 4xx: bad JSON, unsupported media type, body too large.
  return { type: 'about:blank', title: fe.code ?? 'Bad request', status, detail: err.message, instance };
}

export function sendProblem(reply: FastifyReply, p: ProblemBody): FastifyReply {
  return reply.code(p.status).type(PROBLEM_TYPE).send(p);
}
