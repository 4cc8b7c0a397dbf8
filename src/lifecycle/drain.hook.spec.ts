import Fastify, { type FastifyInstance } from 'fastify';
import { trackDraining } from 'src/lifecycle/drain.hook';
import { DrainState } from 'src/lifecycle/drain-state';

describe(trackDraining.name, () => {
  let drain: DrainState;
  let fastify: FastifyInstance;

  beforeEach(async () => {
    drain = new DrainState();
    fastify = Fastify();
    trackDraining(fastify, drain);
    fastify.get('/answer', () => ({ ok: true }));
    fastify.get('/failure', () => {
      throw new Error('failed');
    });
    await fastify.ready();
  });

  afterEach(() => fastify.close());

  it('leaves connections open while the process is not draining', async () => {
    const response = await fastify.inject({ url: '/answer' });
    expect(drain.isDraining).toBe(false);
    expect(response.statusCode).toBe(200);
    expect(response.headers.connection).not.toBe('close');
  });

  it('closes the connection of every answer sent once draining began, errors and 404s too', async () => {
    drain.begin();
    const answers = await Promise.all(
      ['/answer', '/failure', '/missing'].map((url) => fastify.inject({ url })),
    );
    expect(drain.isDraining).toBe(true);
    expect(answers.map(({ statusCode }) => statusCode)).toEqual([200, 500, 404]);
    expect(answers.map(({ headers }) => headers.connection)).toEqual(['close', 'close', 'close']);
  });
});
