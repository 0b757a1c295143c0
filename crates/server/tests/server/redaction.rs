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
            revision: 1,
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
        managed: "server".into(),
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
