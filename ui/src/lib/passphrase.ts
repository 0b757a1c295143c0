// The rules of a new passphrase, as the Rust side applies them (crates/core/src/crypto.rs,
// `ProjectKey::from_passphrase`): surrounding spaces are trimmed, and a passphrase of exactly 32 bytes is
// refused. Why: envdesk keeps a check value of the key (its "proof", so that a wrong passphrase is
// recognised), computed from the key padded or cut to 32 bytes; the encryption key is computed the same
// way from the key itself. At exactly 32 bytes both are the same value, and the check value is stored
// where the key must never be.

/** The length the Rust side counts: UTF-8 bytes of the trimmed passphrase. */
export const passphraseBytes = (p: string) => new TextEncoder().encode(p.trim()).length;

/** The placeholder of a new passphrase field. */
export const NEW_PASSPHRASE_PLACEHOLDER = 'e.g. four or more unrelated words';

/** The rule, said once under a new passphrase field. */
export const PASSPHRASE_HINT =
  'Any length except exactly 32 characters: longer is stronger. Spaces at the start and end are ignored.';

/** Why a new passphrase cannot be used, or null (nothing typed is not an error: the button waits). */
export function passphraseProblem(p: string): string | null {
  if (passphraseBytes(p) === 32) {
    return 'This passphrase is exactly 32 characters long, which cannot be used: envdesk stores a check value to recognise a wrong passphrase, and at exactly 32 characters that check value would be the encryption key itself. Add or remove a character.';
  }
  return null;
}

/** Whether a new passphrase can be submitted: typed, allowed, and confirmed identically. */
export const passphraseReady = (p: string, confirmation: string) => !!p.trim() && !passphraseProblem(p) && p === confirmation;
