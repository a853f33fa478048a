import autocannon from 'autocannon';

export interface Load {
  url: string;
  body: string;
  /** A fresh body per request (unique enrollment ids, for orders that workers run). */
  bodyFor?: () => string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  /** Answered 2xx per second over the run. */
  perSecond: number;
  ok: number;
  failed: number;
  /** Answered 2xx, warm-up included. */
  okWithWarmUp: number;
}

/**
 * Drives `POST url` with autocannon from this process: a one-second warm-up (JIT, connection
 * pools), then the measured run. Any non-2xx or connection error is counted as failed.
 */
export async function postLoad(load: Load): Promise<LoadResult> {
  const options = {
    url: load.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...load.headers },
    body: load.body,
    connections: load.connections,
    ...(load.bodyFor && {
      requests: [
        { setupRequest: (request: { body?: string }) => ({ ...request, body: load.bodyFor?.() }) },
      ],
    }),
  };
  const warmUp = await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: load.seconds });
  return {
    perSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    failed: result.non2xx + result.errors,
    okWithWarmUp: warmUp['2xx'] + result['2xx'],
  };
}
