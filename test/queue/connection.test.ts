// --queue URL parsing and the coordinator's status line (no Redis needed).

import { describe, expect, it } from 'vitest';
import { redisOptions, probeRedis } from '../../src/queue/connection.js';
import { queueStatusLine } from '../../src/queue/coordinator.js';

describe('redis URL', () => {
  it('reads host, port, database and credentials', () => {
    expect(redisOptions('redis://10.0.0.5:6390')).toMatchObject({ host: '10.0.0.5', port: 6390, db: 0, maxRetriesPerRequest: null });
    expect(redisOptions('redis://:s%40cret@h:1/3')).toMatchObject({ host: 'h', port: 1, db: 3, password: 's@cret' });
    expect(redisOptions('redis://h')).toMatchObject({ port: 6379 });
  });

  it('rejects what is not a redis URL with one line', () => {
    expect(() => redisOptions('127.0.0.1:6379')).toThrow(/option --queue must be a redis:\/\/ URL|option --queue is not a URL/);
    expect(() => redisOptions('http://h:1')).toThrow(/must be a redis:\/\/ URL/);
    expect(() => redisOptions('redis://h:1/x')).toThrow(/bad database number/);
  });

  it('an unreachable address is an InputError naming it', async () => {
    await expect(probeRedis('redis://127.0.0.1:1', 2000)).rejects.toThrow(/cannot reach Redis at 127\.0\.0\.1:1: ECONNREFUSED/);
  });

  it('status line asks for workers when nothing is being computed', () => {
    expect(queueStatusLine('q', { pending: 4, waiting: 4, active: 0, completed: 0 })).toMatch(/is any `stidebench worker` running\?/);
    expect(queueStatusLine('q', { pending: 4, waiting: 3, active: 1, completed: 2 })).not.toMatch(/running\?/);
  });
});
