//! The client's decoding of server answers (`envdesk_client::http::decode_answer`, exactly what
//! `HttpBackend` runs on every answer) with any status and body, into every answer type the client
//! reads: never a panic; a non-success status is always an error with a non-empty message of at most
//! `MAX_MESSAGE_CHARS` characters (a server cannot flood the UI); a decoded success re-encodes to a
//! body that decodes to the same value.
//!
//! Input: two bytes of status (big-endian), one byte choosing the answer type, then the body. Seeds:
//! `fuzz/seed-corpus.sh`, with every upstream answer of `crates/client/tests/fixtures/upstream/`.
#![no_main]

use envdesk_api::*;
use envdesk_client::http::{decode_answer, MAX_MESSAGE_CHARS};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fn check<T: DeserializeOwned + Serialize>(status: u16, body: &[u8]) {
    match decode_answer::<T>(status, body) {
        Ok(v) => {
            assert!((200..300).contains(&status), "only a success status decodes ({status})");
            let again = serde_json::to_vec(&v).expect("a decoded answer re-encodes");
            let v2 = decode_answer::<T>(status, &again).expect("a re-encoded answer decodes");
            assert_eq!(serde_json::to_vec(&v2).expect("re-encodes"), again, "decoding is stable");
        }
        Err(e) => {
            assert!(!e.message.is_empty(), "an error has a message");
            assert!(e.message.chars().count() <= MAX_MESSAGE_CHARS + 1, "the server's message is bounded");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]);
    let body = &data[3..];
    // Exactly the types `HttpBackend` decodes answers into (and the key envelope inside an
    // encryption-key answer), so upstream's fixtures seed them as they are (issue 11).
    match data[2] % 20 {
        0 => check::<Data<Organization>>(status, body),
        1 => check::<Page<Project>>(status, body),
        2 => check::<Data<Project>>(status, body),
        3 => check::<SecretsRead>(status, body),
        4 => check::<RetrieveResponse>(status, body),
        5 => check::<StoreResponse>(status, body),
        6 => check::<Page<VersionItem>>(status, body),
        7 => check::<Data<VersionDetail>>(status, body),
        8 => check::<RestoreResponse>(status, body),
        9 => check::<PurgeResponse>(status, body),
        10 => check::<EncryptionKeyResponse>(status, body),
        11 => check::<Data<Vec<KeyHistoryItem>>>(status, body),
        12 => check::<RotateResponse>(status, body),
        13 => check::<RotateClientKeysResponse>(status, body),
        14 => check::<PendingResponse>(status, body),
        15 => check::<Data<Environment>>(status, body),
        16 => check::<ReEncryptResponse>(status, body),
        17 => check::<KeyEnvelope>(status, body),
        18 => check::<Page<Environment>>(status, body),
        _ => check::<Page<Target>>(status, body),
    }
});
