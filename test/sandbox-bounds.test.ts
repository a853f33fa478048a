import { describe, expect, it } from 'vitest';
import { CallLedger, defaultCallCapacity } from '../src/sandbox/call-ledger.ts';
import { TokenBook } from '../src/sandbox/token-book.ts';
import { credentials } from './sandbox-harness.ts';

describe('sandbox call ledger bounds', () => {
  it('keeps 100,000 calls by default', () => {
    expect(defaultCallCapacity).toBe(100_000);
  });

  it('keeps the most recent calls, oldest first, and every effect exactly', () => {
    const ledger = new CallLedger(3);
    for (let i = 1; i <= 5; i++) {
      ledger.record(i, `/p${i}`, 'a', `E${i}`, 200, 'RESTAPI000');
      ledger.addEffect('a', 'E');
    }
    const { calls, effects } = ledger.snapshot();
    expect(calls.map((c) => c.path)).toEqual(['/p3', '/p4', '/p5']);
    expect(effects).toEqual([{ action: 'a', enrollment_id: 'E', count: 5 }]);
  });
});

describe('sandbox token book bounds', () => {
  it('tells used from unused tokens beyond the first 65,536 issued', () => {
    const book = new TokenBook(credentials, 60_000, () => 1_000);
    let token = '';
    for (let i = 0; i < 70_000; i++) token = book.issue();
    expect(book.redeem(token)).toBeNull();
    expect(book.redeem(token)).toBe('Token already used');
  });

  it('answers Token expire for a used token whose record was pruned', () => {
    let clock = 1_000_000;
    const book = new TokenBook(credentials, 1_000, () => clock);
    const used = book.issue();
    expect(book.redeem(used)).toBeNull();
    for (let i = 0; i < 5; i++) {
      clock += 1_000;
      book.issue();
    }
    expect(book.redeem(used)).toBe('Token expire');
  });

  it('refuses tokens of another sandbox', () => {
    const mine = new TokenBook(credentials, 60_000, Date.now);
    const theirs = new TokenBook(credentials, 60_000, Date.now);
    mine.issue();
    expect(mine.redeem(theirs.issue())).toBe('Invalid Token');
  });
});
