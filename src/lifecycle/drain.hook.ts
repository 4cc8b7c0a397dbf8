import type { FastifyInstance } from 'fastify';
import type { DrainState } from 'src/lifecycle/drain-state';

/** Every response is tracked, so that once draining begins it closes its connection. */
export function trackDraining(fastify: FastifyInstance, drain: DrainState): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    drain.track(reply.raw);
    done();
  });
}
