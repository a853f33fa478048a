import { BULL_BOARD_PATH } from './api/bull-board.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { ensureLocalRedis } from './local-redis.ts';
import { createLogger, type Logger } from './log.ts';
import { createSandbox } from './sandbox/sandbox.ts';
import { startService } from './service.ts';

type Mode = 'all' | 'api' | 'worker' | 'sandbox';
const MODES: readonly Mode[] = ['all', 'api', 'worker', 'sandbox'];

/**
 * Process entry: `node src/main.ts [all|api|worker|sandbox]`. `all` (npm start) runs the API,
 * the workers and Bull Board in one process, plus the sandbox when VCARE_BASE_URL is unset and
 * a local redis-server when REDIS_URL is unset and nothing answers on the default port.
 */
async function main(): Promise<void> {
  const mode = (process.argv[2] ?? 'all') as Mode;
  if (!MODES.includes(mode))
    throw new ConfigError(`unknown mode "${mode}"; use one of ${MODES.join(', ')}`);
  const config = loadConfig();
  const logger = createLogger(config.env.LOG_LEVEL);
  if (config.defaulted.length > 0) {
    logger.warn(
      { variables: config.defaulted },
      'development defaults in use; set these in production',
    );
  }
  const stops: Array<() => Promise<void> | void> = [];

  if (mode === 'sandbox') {
    // Alone it serves other hosts (docker compose); under `npm start` it stays on loopback.
    stops.push(await startSandbox(config, logger, '0.0.0.0'));
  } else {
    if (mode === 'all' && config.env.REDIS_URL === undefined) {
      const stopRedis = await ensureLocalRedis(config.redisUrl, logger);
      if (stopRedis) stops.push(stopRedis);
    }
    let vcareBaseUrl = config.env.VCARE_BASE_URL;
    if (vcareBaseUrl === undefined) {
      if (mode === 'all') {
        stops.push(await startSandbox(config, logger));
      } else if (mode === 'worker') {
        logger.warn(
          { sandbox_port: config.env.SANDBOX_PORT },
          'VCARE_BASE_URL unset: using a sandbox expected on SANDBOX_PORT (npm run sandbox)',
        );
      }
      vcareBaseUrl = `http://127.0.0.1:${config.env.SANDBOX_PORT}`;
    }
    const service = await startService({
      config,
      logger,
      vcareBaseUrl,
      api: mode !== 'worker',
      workers: mode !== 'api',
    });
    stops.unshift(() => service.close());
    if (service.url) {
      logger.info(
        {
          api: `${service.url}/v1/orders`,
          bull_board: `${service.url}${BULL_BOARD_PATH}`,
          vcare: vcareBaseUrl,
        },
        `vcare-orders ready: API ${service.url}/v1/orders, Bull Board ${service.url}${BULL_BOARD_PATH}`,
      );
    } else {
      logger.info(
        {
          vcare: vcareBaseUrl,
          concurrency: config.env.WORKER_CONCURRENCY,
          health: service.health ? `${service.health.url}/readyz` : undefined,
        },
        'vcare-orders workers ready',
      );
    }
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Workers wait SHUTDOWN_GRACE_MS for jobs in flight; the rest closes in a few seconds.
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.env.SHUTDOWN_GRACE_MS + 5_000);
    force.unref();
    (async () => {
      for (const stop of stops) await stop();
      process.exit(0);
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function startSandbox(
  config: Config,
  logger: Logger,
  host = '127.0.0.1',
): Promise<() => Promise<void>> {
  const { env } = config;
  const sandbox = createSandbox({
    credentials: {
      vendor_id: env.VCARE_VENDOR_ID,
      username: env.VCARE_USERNAME,
      password: env.VCARE_PASSWORD,
      pin: env.VCARE_PIN,
    },
    agents: { [env.VCARE_AGENT_ID]: env.VCARE_AGENT_PASSWORD },
  });
  const url = await sandbox.listen(env.SANDBOX_PORT, host);
  logger.info({ url, ledger: `${url}/__sandbox/ledger` }, 'vCare sandbox listening');
  return () => sandbox.close();
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`vcare-orders: ${message}\n`);
  process.exit(1);
});
