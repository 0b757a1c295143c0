//! A server connection's audit log through the vault (issue 15): the Activity pages and the last read
//! of a level over HTTP; a token without `audit:read` is refused; the local vault keeps no audit log.

use envdesk_api::{AuditLogQuery, ErrorCode, NodePath, PageRequest};
use envdesk_client::vault::NewProjectKey;
use envdesk_client::ClientError;

use crate::cases::save;
use crate::conformance;
use crate::harness::{http_backend, Env, Kind};

conformance!(the_audit_log_is_read_where_there_is_one);

async fn the_audit_log_is_read_where_there_is_one(e: &Env) {
    let v = &e.vault;
    v.create_project("app", Some("app"), NewProjectKey::Generate).await.unwrap();
    v.unlock("app").await.unwrap();
    v.create_target("app", "api", Some("api")).await.unwrap();
    v.create_environment("app", "api", "prod", Some("prod"), None).await.unwrap();
    let env = NodePath::environment("app", "api", "prod");
    save(v, &env, "A=1\n").await;
    v.read_node(&env).await.unwrap();
    let all = AuditLogQuery { page: PageRequest { page: 1, per_page: 100 }, ..AuditLogQuery::default() };

    if e.kind == Kind::Local {
        let err = v.audit_log(&all).await.unwrap_err();
        assert!(matches!(&err, ClientError::Api(a) if a.code == ErrorCode::NotFound), "{err:?}");
        return;
    }
    let page = v.audit_log(&all).await.unwrap();
    let events: Vec<&str> = page.data.iter().map(|i| i.attributes.event.as_str()).collect();
    assert!(events.contains(&"secret.read") && events.contains(&"project.created"), "{events:?}");
    assert!(page.data.iter().all(|i| i.attributes.token.as_ref().and_then(|t| t.name.as_deref()) == Some("app")));

    // The project level was read through its environment: the last read of either is that read.
    let read = v.last_read(&NodePath::project("app")).await.unwrap().expect("a read is recorded");
    assert_eq!(
        (read.attributes.event.as_str(), read.attributes.node.as_deref()),
        ("secret.read", Some("app/api/prod"))
    );
    assert!(v.last_read(&NodePath::environment("app", "api", "nope")).await.unwrap().is_none());

    // A token without audit:read is refused, and says which ability it lacks.
    let limited = e.service.create_token_for(&e.org, "reader", &["secret:read".into()]).unwrap().token.to_string();
    let backend = http_backend(e.url.as_deref().unwrap(), &e.org, &limited);
    let err = envdesk_api::Backend::audit_log(&backend, &all).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InsufficientPermissions);
    assert!(err.message.contains("audit:read"), "{}", err.message);
}
