/** One `host:port` of a Cluster seed list or a Sentinel list. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials from a URL's user-info or query; unset parts are left out. */
export interface RedisAuth {
  username?: string;
  password?: string;
}

/**
 * Where `REDIS_URL` points:
 * - `standalone`: `redis://[user:pass@]host[:port][/db]` or `rediss://…` (TLS), handed to
 *   ioredis as it is.
 * - `cluster`: `redis+cluster://[user:pass@]host1:7000,host2:7001,…` (`rediss+cluster://` for
 *   TLS): seed nodes of a Redis Cluster; the client learns the rest from them.
 * - `sentinel`: `redis+sentinel://[user:pass@]host1:26379,host2:26379/<master name>[?db=N]`
 *   (`rediss+sentinel://` for TLS to sentinels and Redis): the credentials are the data
 *   nodes'; `sentinel_username` and `sentinel_password` query parameters authenticate to the
 *   sentinels themselves when they require it.
 */
export type RedisTarget =
  | { kind: 'standalone'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; auth: RedisAuth; tls: boolean }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      auth: RedisAuth;
      sentinelAuth: RedisAuth;
      tls: boolean;
    };

/**
 * A `REDIS_URL` that names no usable Redis. The message quotes nothing from the URL: a
 * malformed one may have its password anywhere.
 */
export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const MULTI_HOST = /^(rediss?)\+(cluster|sentinel):\/\/([^?#]*)(?:\?([^#]*))?$/i;
const DEFAULT_PORT = { cluster: 6379, sentinel: 26379 } as const;
const SENTINEL_PARAMS = new Set(['db', 'sentinel_username', 'sentinel_password']);

/** Parses any supported `REDIS_URL` form; throws {@link RedisUrlError} naming what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const multi = MULTI_HOST.exec(url);
  if (!multi) return standalone(url);
  const [, scheme = '', kind = '', rest = '', query = ''] = multi;
  const tls = scheme.toLowerCase() === 'rediss';
  const at = rest.lastIndexOf('@');
  const userInfo = at < 0 ? '' : rest.slice(0, at);
  const slash = rest.indexOf('/', at + 1);
  const hostList = slash < 0 ? rest.slice(at + 1) : rest.slice(at + 1, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const lowerKind = kind.toLowerCase() as 'cluster' | 'sentinel';
  const hosts = hostList.split(',');
  const nodes = hosts.map((h, i) =>
    parseNode(h, DEFAULT_PORT[lowerKind], `${i + 1} of ${hosts.length}`),
  );
  const auth = parseUserInfo(userInfo);
  const params = new URLSearchParams(query);
  if (lowerKind === 'cluster') {
    if (path !== '' || query !== '')
      throw new RedisUrlError('a Redis Cluster URL takes no database, path or query');
    return { kind: 'cluster', nodes, auth, tls };
  }
  for (const name of params.keys()) {
    if (!SENTINEL_PARAMS.has(name))
      throw new RedisUrlError(
        'unknown parameter: a Sentinel URL takes db, sentinel_username and sentinel_password',
      );
  }
  const name = decode(path);
  if (name === '' || name.includes('/'))
    throw new RedisUrlError('a Sentinel URL names its master group: …/<master name>');
  const db = params.get('db') ?? '0';
  if (!/^\d{1,5}$/.test(db)) throw new RedisUrlError('db must be a database number');
  const sentinelAuth: RedisAuth = {};
  const sentinelUsername = params.get('sentinel_username');
  const sentinelPassword = params.get('sentinel_password');
  if (sentinelUsername) sentinelAuth.username = sentinelUsername;
  if (sentinelPassword) sentinelAuth.password = sentinelPassword;
  return { kind: 'sentinel', sentinels: nodes, name, db: Number(db), auth, sentinelAuth, tls };
}

function standalone(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError(
      'not a URL; use redis://, rediss://, redis+cluster:// or redis+sentinel://',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
    throw new RedisUrlError(
      'unsupported scheme; use redis://, rediss://, redis+cluster:// or redis+sentinel://',
    );
  return { kind: 'standalone', url };
}

function parseNode(text: string, defaultPort: number, which: string): RedisNode {
  // `[::1]:7000` for IPv6, `host:7000` or a bare `host` otherwise.
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  if (!host || port < 1 || port > 65535)
    throw new RedisUrlError(`node ${which} is not host:port (nodes are separated by commas)`);
  return { host, port };
}

function parseUserInfo(userInfo: string): RedisAuth {
  if (userInfo === '') return {};
  const colon = userInfo.indexOf(':');
  const username = decode(colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = colon < 0 ? '' : decode(userInfo.slice(colon + 1));
  const auth: RedisAuth = {};
  if (username) auth.username = username;
  if (password) auth.password = password;
  return auth;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError('bad percent-encoding in the URL');
  }
}
