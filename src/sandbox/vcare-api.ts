import type { ActionDefinition } from '../actions/action.ts';
import { actionBehaviours, genericBehaviour } from './action-behaviours.ts';
import type { CallLedger } from './call-ledger.ts';
import type { CustomerStore } from './customer-store.ts';
import type { FaultInjector } from './fault-injector.ts';
import { type Reply, unavailable, vcareReply } from './reply.ts';
import { agentProblem, enrollmentIdOf, missingFieldErrors, textField } from './request-checks.ts';
import type { TokenBook, TokenCredentials } from './token-book.ts';

/** Everything the simulated vCare API reads and changes. */
export interface VcareApiDeps {
  readonly credentials: TokenCredentials;
  readonly agents: ReadonlyMap<string, string | undefined>;
  readonly allowedSources: ReadonlySet<string>;
  readonly checkTokens: boolean;
  /** Modules (path segments) that exist: those of the registered actions. */
  readonly modules: ReadonlySet<string>;
  readonly findAction: (name: string) => ActionDefinition | undefined;
  readonly tokens: TokenBook;
  readonly customers: CustomerStore;
  readonly ledger: CallLedger;
  readonly faults: FaultInjector;
}

export interface VcareCall {
  readonly method: string;
  /** Path without query string or trailing slash. */
  readonly path: string;
  /** The `token` request header. */
  readonly token: string | undefined;
  readonly body: string;
}

/** What to do with the connection, and what the ledger should say the call was about. */
export interface CallResult {
  readonly outcome: Reply | 'hold' | 'drop';
  readonly action: string | null;
  readonly enrollmentId: string | null;
}

type Body = Record<string, unknown>;

const unreadable = ['Invalid JSON in request body'];

function parseBody(raw: string): Body | undefined {
  if (raw === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Body)
      : undefined;
  } catch {
    return undefined;
  }
}

function result(
  outcome: CallResult['outcome'],
  action: string | null = null,
  enrollmentId: string | null = null,
): CallResult {
  return { outcome, action, enrollmentId };
}

/**
 * One call to a vCare path, checked in the order vCare documents its codes: method, token,
 * module, action, source, agent, required fields; then planned or random faults; then the
 * action itself.
 */
export function handleVcareCall(deps: VcareApiDeps, call: VcareCall): CallResult {
  const fresh = (): string => deps.tokens.issue();
  if (call.method !== 'POST') {
    // Presenting a token spends it, whatever the call.
    if (deps.checkTokens && call.token !== undefined) deps.tokens.redeem(call.token);
    return result(vcareReply('RESTAPI001', 'Invalid Access!!', fresh()));
  }
  if (call.path === '/authenticate') return result(authenticate(deps, call.body));

  if (deps.checkTokens) {
    const problem = deps.tokens.redeem(call.token);
    if (problem !== null) return result(vcareReply('RESTAPI001', problem, fresh()));
  }
  const module = call.path.slice(1);
  if (module === '') return result(vcareReply('RESTAPI101', 'Module required.', fresh()));
  if (!deps.modules.has(module)) {
    return result(vcareReply('RESTAPI105', 'Module does not exist.', fresh()));
  }
  const body = parseBody(call.body);
  if (body === undefined) {
    return result(vcareReply('RESTAPI110', 'Error occurred', fresh(), { errors: unreadable }));
  }
  const actionName = textField(body, 'action');
  const enrollmentId = enrollmentIdOf(body);
  const answer = (reply: Reply | 'hold' | 'drop'): CallResult =>
    result(reply, actionName, enrollmentId);

  if (actionName === null || actionName === '') {
    return answer(vcareReply('RESTAPI102', 'Action required.', fresh()));
  }
  const action = deps.findAction(actionName);
  if (action === undefined || action.module !== module) {
    return answer(vcareReply('RESTAPI106', 'Action does not exist.', fresh()));
  }
  const source = textField(body, 'source');
  if (source === null || !deps.allowedSources.has(source)) {
    const msg = 'Source Not Allowed';
    return answer(vcareReply('RESTAPI103', msg, fresh(), { errors: [msg] }));
  }
  const agent = agentProblem(body, deps.agents);
  if (agent !== null) return answer(vcareReply('RESTAPI104', agent, fresh(), { errors: [agent] }));
  const missing = missingFieldErrors(body, action.requiredFields);
  if (missing.length > 0) {
    return answer(vcareReply('RESTAPI110', 'Error occurred', fresh(), { errors: missing }));
  }

  const enrollment = enrollmentId ?? '';
  switch (deps.faults.forCall(enrollmentId)) {
    case 'reject': {
      const errors = [`Enrollment ${enrollment} is not eligible for ${actionName}`];
      return answer(vcareReply('RESTAPI110', 'Error occurred', fresh(), { errors }));
    }
    case 'unavailable':
      return answer(unavailable(deps.faults.faults.retry_after_s));
    case 'hold':
      return answer('hold');
    case 'token-expire':
      return answer(vcareReply('RESTAPI001', 'Token expire', fresh()));
    case 'drop':
      perform(deps, actionName, enrollment, body);
      return answer('drop');
    case null:
      return answer(perform(deps, actionName, enrollment, body));
  }
}

function perform(deps: VcareApiDeps, action: string, enrollmentId: string, body: Body): Reply {
  const behaviour = actionBehaviours.get(action) ?? genericBehaviour;
  const outcome = behaviour(body, enrollmentId, deps.customers);
  const token = deps.tokens.issue();
  if (!outcome.ok) {
    return vcareReply('RESTAPI110', 'Error occurred', token, { errors: outcome.errors });
  }
  if (outcome.effect) deps.ledger.addEffect(action, enrollmentId);
  return vcareReply('RESTAPI000', 'Success', token, outcome);
}

/**
 * `POST /authenticate`. The pages document no answer for wrong credentials; the sandbox uses
 * their RESTAPI109 "Unauthorized Access" (with an `errors` array, no token), the code a
 * client must treat as a configuration error rather than a token fault.
 */
function authenticate(deps: VcareApiDeps, raw: string): Reply | 'hold' | 'drop' {
  const body = parseBody(raw);
  if (body === undefined)
    return vcareReply('RESTAPI110', 'Error occurred', undefined, { errors: unreadable });
  const expected = deps.credentials;
  const matches =
    textField(body, 'vendor_id') === expected.vendor_id &&
    textField(body, 'username') === expected.username &&
    textField(body, 'password') === expected.password &&
    textField(body, 'pin') === expected.pin;
  if (!matches) {
    const msg = 'Unauthorized Access';
    return vcareReply('RESTAPI109', msg, undefined, { errors: [msg] });
  }
  switch (deps.faults.forAuthenticate()) {
    case 'unavailable':
      return unavailable(deps.faults.faults.retry_after_s);
    case 'hold':
      return 'hold';
    case 'drop':
      return 'drop';
    default:
      return vcareReply('RESTAPI000', 'Success', deps.tokens.issue());
  }
}
