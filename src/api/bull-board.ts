import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Express, Router } from 'express';
import { describedAdapter } from './bull-board-queues.ts';

export const BULL_BOARD_PATH = '/admin/queues';

/** Bull Board over every queue; mount it at BULL_BOARD_PATH behind admin auth. */
export function bullBoardRouter(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: queues.map((q) => describedAdapter(q, BULL_BOARD_PATH)),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'vcare-orders',
        miscLinks: [
          { text: 'API description (OpenAPI)', url: '/openapi.json' },
          { text: 'Prometheus metrics', url: '/metrics' },
        ],
      },
    },
  });
  // Bull Board mounts an express app of its own, which would announce itself again.
  const board = serverAdapter.getRouter() as Express;
  board.disable('x-powered-by');
  return board;
}
