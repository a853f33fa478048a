import { effectCounts, readLedger } from './sandbox-control.ts';

interface Summary {
  id: string;
  action: string;
  enrollment_id: string;
  reason: string;
  replayed_as: string | null;
}

export interface ReplayTally {
  /** Replayed by the bulk route (`attempts_exhausted`: vCare answers again). */
  attempts_exhausted: number;
  /** `outcome_unknown` entries the ledger proves never took effect, replayed one by one. */
  outcome_unknown: number;
  /** `outcome_unknown` entries whose effect the ledger shows: settled in vCare, left as they are. */
  confirmedInVcare: Set<string>;
  refused: number;
}

/**
 * What an operator does once vCare is healthy again, through the ops API: replay every
 * `attempts_exhausted` entry in bulk, and each `outcome_unknown` entry that vCare (the
 * sandbox ledger here) shows never took effect. An `outcome_unknown` whose effect vCare shows
 * stays dead-lettered: the order did happen, and replaying it would do it twice.
 */
export async function replayDeadLetters(
  apiUrl: string,
  sandboxUrl: string,
  admin: { user: string; password: string },
  tally: ReplayTally,
): Promise<number> {
  const auth = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString('base64')}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  let replayed = 0;

  for (let round = 0; round < 20; round++) {
    const { json } = await call('POST', '/v1/dead-letters/replay', {
      filter: { reason: 'attempts_exhausted', replayed: false },
      rate_per_s: 1000,
      limit: 1000,
    });
    const done = (json.replayed as unknown[] | undefined)?.length ?? 0;
    tally.attempts_exhausted += done;
    tally.refused += (json.refused as unknown[] | undefined)?.length ?? 0;
    replayed += done;
    if (json.truncated !== true) break;
  }

  const unknown: Summary[] = [];
  let cursor: string | null = null;
  do {
    const query = `reason=outcome_unknown&replayed=false&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { json } = await call('GET', `/v1/dead-letters?${query}`);
    unknown.push(...((json.entries as Summary[] | undefined) ?? []));
    cursor = (json.next_cursor as string | null | undefined) ?? null;
  } while (cursor);
  const effects = effectCounts(await readLedger(sandboxUrl));
  for (const entry of unknown) {
    if ((effects.get(`${entry.action}\n${entry.enrollment_id}`) ?? 0) > 0) {
      tally.confirmedInVcare.add(entry.id);
      continue;
    }
    const { status } = await call(
      'POST',
      `/v1/dead-letters/${encodeURIComponent(entry.id)}/replay`,
      {},
    );
    if (status === 202) {
      tally.outcome_unknown++;
      replayed++;
    } else tally.refused++;
  }
  return replayed;
}
