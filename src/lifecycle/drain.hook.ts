import type { FastifyInstance } from 'fastify';
import type { DrainState } from 'src/lifecycle/drain-state';

/**
 * Once draining begins, every response whose headers are still to be sent says
 * `Connection: close`, and Node ends its keep-alive socket after it. Checked as the answer is
 * sent (`onSend` runs for every reply, errors included) rather than by tracking each response from
 * its start: a listener and a set entry per request cost more than the check (see bench/README.md).
 */
export function trackDraining(fastify: FastifyInstance, drain: DrainState): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (drain.isDraining) {
      reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
