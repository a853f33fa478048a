import { existsSync, readFileSync } from 'node:fs';
import { findAction } from '../src/actions/registry.ts';
import { createSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/sandbox.ts';

export const credentials = {
  vendor_id: 'Sandbox-Vendor',
  username: 'sandbox-user',
  password: 'sandbox-pass',
  pin: '246810',
};

/** `ewebsiteapi` is the agent of every vendor sample; `guarded` needs a password. */
export const agents = { ewebsiteapi: undefined, guarded: 'guard-pass' };

/** A vCare JSON answer as the tests read it. */
export interface VcareAnswer {
  msg_code: string;
  msg: string;
  token?: string;
  errors?: string[];
  data?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** The parsed body when it is JSON. */
  json: VcareAnswer | undefined;
}

export interface Started {
  sandbox: Sandbox;
  url: string;
}

export async function startSandbox(options: Partial<SandboxOptions> = {}): Promise<Started> {
  const sandbox = createSandbox({ credentials, agents, ...options });
  return { sandbox, url: await sandbox.listen(0) };
}

export async function request(
  url: string,
  path: string,
  init: {
    method?: string;
    token?: string;
    body?: unknown;
    raw?: string;
    signal?: AbortSignal;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token !== undefined) headers.token = init.token;
  const method = init.method ?? 'POST';
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
    signal: init.signal ?? AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json: VcareAnswer | undefined;
  try {
    json = JSON.parse(text) as VcareAnswer;
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

export async function authenticate(url: string): Promise<string> {
  const answer = await request(url, '/authenticate', { body: credentials });
  const token = answer.json?.token;
  if (answer.json?.msg_code !== 'RESTAPI000' || token === undefined) {
    throw new Error(`authenticate failed: ${answer.text}`);
  }
  return token;
}

/** Posts `body` to `path` with a freshly issued token. */
export async function call(
  url: string,
  path: string,
  body: unknown,
  init: { raw?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  return request(url, path, { token: await authenticate(url), body, ...init });
}

/** The module path an action is posted to, from the registry. */
export function pathOf(action: string): string {
  const definition = findAction(action);
  if (definition === undefined) throw new Error(`unknown action ${action}`);
  return `/${definition.module}`;
}

const samples = new URL('./fixtures/vendor-samples/', import.meta.url);

/**
 * A body vCare accepts for `action`: the vendor's sample request (the prepaid one flattened
 * from its multi-line form, plus the `dob` and `ssn` its table requires), about `enrollmentId`.
 * Actions without a sample get a plausible value for each required field.
 */
export function validBody(action: string, enrollmentId: string): Record<string, unknown> {
  const file = new URL(`${action}.json`, samples);
  let body: Record<string, unknown>;
  if (existsSync(file)) {
    body = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (Array.isArray(body.lines)) {
      const { lines, agent_id, source } = body as { lines: Record<string, unknown>[] } & Record<
        string,
        unknown
      >;
      body = { ...lines[0], agent_id, source, dob: '1985-12-01', ssn: '1234' };
    }
  } else {
    const required = findAction(action)?.requiredFields ?? [];
    body = { agent_id: 'ewebsiteapi', source: 'API' };
    for (const field of required) body[field] = 'SAMPLE1';
  }
  body.action = action;
  body.enrollment_id = enrollmentId;
  if ('enroll_id' in body) body.enroll_id = enrollmentId;
  return body;
}

let sequence = 0;

/** A unique enrollment id starting with `prefix` (a sandbox fault prefix, or not). */
export function enrollment(prefix = 'ENR'): string {
  sequence++;
  return `${prefix}${process.pid}X${sequence}`;
}

/** Effect count for (action, enrollment) in the ledger, 0 when none. */
export function effectCount(sandbox: Sandbox, action: string, enrollmentId: string): number {
  const effect = sandbox
    .ledger()
    .effects.find((e) => e.action === action && e.enrollment_id === enrollmentId);
  return effect?.count ?? 0;
}
