import { describe, expect, it } from 'vitest';
import { actions } from '../../src/actions/registry.ts';
import { card, issuesOf, valid } from './orders.ts';

// A value no rule accepts for these fields, and distinctive enough to spot in any message.
const leaked = '9876543210987654321!x';

describe('issue messages never echo submitted values', () => {
  it.each(
    actions.flatMap((action) =>
      [...action.secretFields, ...action.requiredFields, ...Object.keys(card)].map(
        (field) => [action.name, field] as const,
      ),
    ),
  )('%s: an invalid %s is reported without its value', (action, field) => {
    const issues = issuesOf(valid(action, { [field]: leaked }));
    for (const issue of issues) {
      expect(issue.message).not.toContain(leaked);
      expect(issue.message.startsWith(issue.path)).toBe(true);
    }
  });

  it('reports a Luhn failure, a bad cvv, ssn and dob without quoting them', () => {
    const issues = [
      ...issuesOf(valid('equipment_purchase', { card_number: '4111111111111112', cvv: '98765' })),
      ...issuesOf(valid('create_customer_prepaid', { ssn: '123-45-6789', dob: '1985-13-45' })),
    ];
    expect(issues.map((i) => i.path)).toEqual(['card_number', 'cvv', 'dob', 'ssn']);
    const text = JSON.stringify(issues);
    for (const secret of ['4111111111111112', '98765', '123-45-6789', '1985-13-45']) {
      expect(text).not.toContain(secret);
    }
  });

  it('does not echo an unknown action name', () => {
    expect(JSON.stringify(issuesOf({ action: 'steal_4111111111111111' }))).not.toContain('steal');
  });
});
