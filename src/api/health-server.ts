import type { Server } from 'node:http';
import express from 'express';
import { type HealthRoutesDeps, healthRoutes } from './health-routes.ts';

export interface HealthServer {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:3001` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * `/healthz`, `/readyz` and `/metrics` alone on their own port, for a workers-only process
 * (`npm run worker`), which has no API to carry them. Everything else answers 404.
 */
export async function startHealthServer(
  deps: HealthRoutesDeps,
  port: number,
  host = '0.0.0.0',
): Promise<HealthServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
