//! Issue 10 hole 16 (wire part): `Debug` of every wire type that carries plaintext (or a key) never
//! shows it, so a `{:?}` in a log line or a panic cannot leak a value.

use envdesk_api::*;
use indexmap::IndexMap;

const MARK: &str = "MARKER-SECRET-7f3a";

fn map() -> FlatMap {
    [("DB_PASSWORD".to_owned(), MARK.to_owned())].into_iter().collect()
}

fn structured() -> SecretsResponse {
    let mut levels = IndexMap::new();
    levels.insert(
        "project".to_owned(),
        LevelValue::Blob(Level {
            encrypted: false,
            content: Some(format!("DB_PASSWORD={MARK}\n")),
            source: "app".into(),
            id: None,
            revision: Some(1),
            updated_at: None,
        }),
    );
    levels.insert("target".to_owned(), LevelValue::KeyMap(map()));
    SecretsResponse {
        data: SecretsData {
            kind: "secrets".into(),
            attributes: SecretsAttributes {
                encrypted: false,
                format: "hierarchical".into(),
                levels: Some(levels),
                merged: Some(map()),
            },
        },
        meta: SecretsMeta {
            api_path: "/x".into(),
            format: "hierarchical".into(),
            hierarchy: Hierarchy { project: "app".into(), target: None, environment: None },
            timestamp: String::new(),
        },
    }
}

#[test]
fn debug_of_plaintext_wire_types_redacts() {
    let decrypted = DecryptedData {
        kind: "secrets".into(),
        secrets: map(),
        levels: Some([("project".to_owned(), map())].into_iter().collect()),
    };
    let key = KeyDescriptor {
        managed: StorageMode::Server,
        key: Some(MARK.into()),
        version: 1,
        created_at: None,
        key_check_salt: None,
        key_check_iterations: None,
    };
    let shown = [
        format!("{decrypted:?}"),
        format!("{:?}", RetrieveResponse::Decrypted(Data { data: decrypted.clone() })),
        format!("{:?}", RetrieveResponse::Raw(map())),
        format!("{:?}", RetrieveResponse::Read(structured())),
        format!("{:?}", SecretsRead::Raw(map())),
        format!("{:?}", SecretsRead::Structured(structured())),
        format!("{:?}", structured()),
        format!("{:?}", structured().data.attributes),
        format!("{:?}", LevelValue::KeyMap(map())),
        format!("{key:?}"),
        format!("{:?}", KeyEnvelope { key: key.clone() }),
        format!("{:#?}", Data { data: decrypted }),
    ];
    for s in &shown {
        assert!(!s.contains(MARK), "leaks: {s}");
    }
    assert!(shown[0].contains("DB_PASSWORD"), "key names stay visible: {}", shown[0]);
}

// Review of issue 10: request types that carry key proofs, key checks, keys or blobs redact them too.
#[test]
fn debug_of_request_types_with_keys_or_blobs_redacts() {
    let shown = [
        format!(
            "{:?}",
            ReEncryptRequest {
                versions: vec![ReEncryptedVersion { id: 7, content: MARK.into() }],
                key_proof: MARK.into(),
            }
        ),
        format!(
            "{:#?}",
            RotateClientKeysRequest {
                secrets: vec![ReEncryptedSecret { id: "01H".into(), content: MARK.into(), revision: Some(2) }],
                key_check: MARK.into(),
                key_check_salt: MARK.into(),
                key_check_iterations: 1000,
                history_policy: None,
                key_proof: Some(MARK.into()),
            }
        ),
        format!(
            "{:?}",
            StoreRequest {
                path: NodePath::project("app"),
                content: MARK.into(),
                key_proof: Some(MARK.into()),
                no_backup: false,
                base_revision: None,
            }
        ),
        format!(
            "{:?}",
            RestoreRequest { content: Some(MARK.into()), key_proof: Some(MARK.into()), base_revision: Some(1) }
        ),
        format!(
            "{:?}",
            CreateProject {
                name: "app".into(),
                key_check: Some(MARK.into()),
                key_check_salt: Some(MARK.into()),
                encryption_key: Some(MARK.into()),
                ..CreateProject::default()
            }
        ),
        format!(
            "{:?}",
            PendingResponse {
                data: vec![PendingVersion { id: 1, content: MARK.into(), key_version: "1".into() }],
                meta: RemainingMeta { remaining: 0 },
            }
        ),
    ];
    for s in &shown {
        assert!(!s.contains(MARK), "leaks: {s}");
    }
    assert!(shown[0].contains("ReEncryptRequest") && shown[0].contains('7'), "says what it is: {}", shown[0]);
}
