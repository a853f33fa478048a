/** Raised by {@link within} when the promise has not settled in time. */
export class TimedOut extends Error {
  override name = 'TimedOut';
}

/**
 * `promise`, or a rejection with `TimedOut` once `ms` have passed (the promise itself goes on).
 * For waits on Redis, which a connection that rides out outages would hold forever.
 */
export function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
