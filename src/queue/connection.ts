// Owns the Redis side of distributed runs: parsing `--queue redis://HOST:PORT[/DB]`, the connection
// options BullMQ needs, and a reachability probe that turns "no Redis there" into one InputError line
// instead of ioredis retrying forever.

import { connect } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../errors.js';

/** BullMQ queue holding the cells (one per queue name; jobs carry everything a worker needs). */
export const DEFAULT_QUEUE_NAME = 'stidebench-cells';

/** Connection options for a `redis://[user:pass@]host:port[/db]` URL; usage errors name the option. */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError('option --queue is not a URL', { text: url, expected: 'redis://HOST:PORT' });
  }
  if (u.protocol !== 'redis:') throw new InputError('option --queue must be a redis:// URL', { text: url, expected: 'redis://HOST:PORT' });
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new InputError('option --queue names a bad database number', { text: url, expected: 'redis://HOST:PORT[/DB]' });
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    // BullMQ workers block on Redis; ioredis must not give up on their commands.
    maxRetriesPerRequest: null,
  };
}

/** Opens and closes a TCP connection; rejects with the socket error (ECONNREFUSED, ETIMEDOUT, ...). */
function tcpProbe(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      resolve();
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

/** Connects once (no retries) and PINGs; an unreachable or refusing Redis is an InputError. */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<void> {
  const opts = redisOptions(url);
  try {
    await tcpProbe(opts.host!, opts.port!, timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot reach Redis at ${opts.host}:${opts.port}: ${err.code ?? err.message}`, {
      expected: 'a running redis-server (e.g. `redis-server --port 6390 --daemonize yes`) at the --queue URL',
    });
  }
  const client = new Redis({ ...opts, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  client.on('error', () => {}); // reported below
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`Redis at ${opts.host}:${opts.port} does not answer PING: ${err.message}`, { expected: 'a redis-server (check the URL, password and database)' });
  } finally {
    client.disconnect();
  }
}
