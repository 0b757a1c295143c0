// The rules of a new passphrase, as the Rust side applies them (ProjectKey::from_passphrase).
import { describe, expect, it } from 'vitest';
import { passphraseBytes, passphraseProblem, passphraseReady } from '../../src/lib/passphrase';

describe('passphrase rules', () => {
  it('counts UTF-8 bytes of the trimmed passphrase, as the Rust side does', () => {
    expect(passphraseBytes('  abc  ')).toBe(3);
    expect(passphraseBytes('é')).toBe(2);
  });

  it('refuses exactly 32 bytes and says why', () => {
    expect(passphraseProblem('x'.repeat(32))).toMatch(/check value would be the encryption key itself/);
    expect(passphraseProblem(` ${'x'.repeat(32)} `)).not.toBeNull();
    expect(passphraseProblem('é'.repeat(16))).not.toBeNull();
    expect(passphraseProblem('x'.repeat(31))).toBeNull();
    expect(passphraseProblem('x'.repeat(33))).toBeNull();
    expect(passphraseProblem('')).toBeNull();
  });

  it('is ready when typed, allowed and confirmed identically', () => {
    expect(passphraseReady('correct horse', 'correct horse')).toBe(true);
    expect(passphraseReady('correct horse', 'correct hors')).toBe(false);
    expect(passphraseReady('', '')).toBe(false);
    expect(passphraseReady('x'.repeat(32), 'x'.repeat(32))).toBe(false);
  });
});
