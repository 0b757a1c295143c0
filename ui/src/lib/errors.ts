// What the UI does with each error code: one exhaustive switch over the closed set the Rust side sends
// (`Code`, generated from src-tauri/app/error.rs). A new code does not type-check until it has a line.
import type { Code } from './bindings';

/**
 * - `unlock`: ask for the project's key (the unlock dialog);
 * - `silent`: the user already said no; show nothing;
 * - `conflict`: the save lost a race; the conflict view takes over (never reaches a toast);
 * - `reread`: the node's view was closed on the Rust side (a lock, or newer views); read it again;
 * - `show`: show the message, which says what to do.
 */
export type Remedy = 'unlock' | 'silent' | 'conflict' | 'reread' | 'show';

export function remedy(code: Code): Remedy {
  switch (code) {
    case 'locked':
    case 'key_needed':
      return 'unlock';
    case 'cancelled':
      return 'silent';
    case 'revision_conflict':
      return 'conflict';
    case 'view_closed':
      return 'reread';
    case 'wrong_key':
    case 'undecryptable':
    case 'bad_key':
    case 'old_key_unavailable':
    case 'server_key_refused':
    case 'parse_error':
    case 'import_failed':
    case 'export_failed':
    case 'template_error':
    case 'schema_violation':
    case 'keychain_error':
    case 'io_error':
    case 'local_vault_key_missing':
    case 'local_vault_token_mismatch':
    case 'rotation_outcome_unknown':
    case 'rotation_unsupported':
    case 'unencrypted_level':
    case 'listing_too_large':
    case 'invalid':
    case 'confirmation_required':
    case 'unauthenticated':
    case 'insufficient_permissions':
    case 'version_locked':
    case 'not_found':
    case 'already_exists':
    case 'rotation_in_progress':
    case 'payload_too_large':
    case 'bad_request':
    case 'request_timeout':
    case 'validation_failed':
    case 'invalid_parameter_combination':
    case 'key_proof_required':
    case 'key_proof_mismatch':
    case 'key_version_conflict':
    case 'content_required_for_old_key':
    case 'version_protected':
    case 'undecryptable_content':
    case 'server_keys_unavailable':
    case 'client_managed_encryption':
    case 'rate_limited':
    case 'internal':
    case 'network':
    case 'timeout':
    case 'invalid_response':
    case 'unknown':
      return 'show';
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}
