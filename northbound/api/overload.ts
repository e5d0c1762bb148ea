// Load shedding: past `maxInFlight` API requests being handled at once, a new one is refused at once with 503 and
// Retry-After instead of joining a queue that only grows until clients time out (and then retry on top of it).
// Refusing costs a few microseconds; the requests already admitted keep their latency. Only authenticated API
// routes are counted and shed: /healthz, /readyz and /metrics always answer, so a supervisor can still tell.
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem';

export interface OverloadOptions {
  /** Requests admitted and not yet answered; the next one gets 503. */
  readonly maxInFlight: number;
  /** What Retry-After says, in seconds. */
  readonly retryAfterSeconds?: number;
  /** Told once per refused request (a prom-client Counter's inc fits). */
  readonly onShed?: () => void;
}

export const DEFAULT_MAX_IN_FLIGHT = 1024;

export function registerOverload(app: FastifyInstance, options: OverloadOptions): void {
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  let inFlight = 0;
  app.addHook('onRequest', async (req, reply) => {
    if (!req.routeOptions.config.roles) return;
    if (inFlight >= options.maxInFlight) {
      options.onShed?.();
      reply.header('retry-after', retryAfter);
      throw new HttpProblem(
        503,
        'Overloaded',
        `the controller is handling ${inFlight} requests; try again in ${retryAfter} s`,
      );
    }
    inFlight++;
    // 'close' comes once per response, answered or aborted by the client, so the count never leaks.
    reply.raw.once('close', () => inFlight--);
  });
}
