//! Token abilities.

/// An ability a token may hold (`docs/api.md`, Conventions). `*` grants them all.
pub mod ability {
    /// All abilities.
    pub const ALL: &str = "*";
    pub const SECRET_READ: &str = "secret:read";
    pub const SECRET_WRITE: &str = "secret:write";
    pub const SECRET_DECRYPT: &str = "secret:decrypt";
    pub const SECRET_HISTORY: &str = "secret:history";
    pub const SECRET_RESTORE: &str = "secret:restore";
    pub const SECRET_PURGE: &str = "secret:purge";
    pub const KEY_RETRIEVE: &str = "key:retrieve";
    pub const KEY_ROTATE: &str = "key:rotate";
    pub const PROJECT_CREATE: &str = "project:create";
    pub const PROJECT_READ: &str = "project:read";
    pub const PROJECT_UPDATE: &str = "project:update";
    pub const PROJECT_DELETE: &str = "project:delete";
    pub const TARGET_CREATE: &str = "target:create";
    pub const TARGET_READ: &str = "target:read";
    pub const TARGET_UPDATE: &str = "target:update";
    pub const TARGET_DELETE: &str = "target:delete";
    pub const ENVIRONMENT_CREATE: &str = "environment:create";
    pub const ENVIRONMENT_READ: &str = "environment:read";
    pub const ENVIRONMENT_UPDATE: &str = "environment:update";
    pub const ENVIRONMENT_DELETE: &str = "environment:delete";
    pub const ORGANIZATION_READ: &str = "organization:read";
    pub const ORGANIZATION_UPDATE: &str = "organization:update";
    pub const API_TOKEN_CREATE: &str = "api-token:create";
    pub const API_TOKEN_READ: &str = "api-token:read";
    pub const API_TOKEN_UPDATE: &str = "api-token:update";
    pub const API_TOKEN_DELETE: &str = "api-token:delete";
    /// envdesk's own (upstream has no such ability): read the organization's audit log.
    pub const AUDIT_READ: &str = "audit:read";
}

/// Every ability a token can be given, `*` excluded.
pub const KNOWN_ABILITIES: [&str; 27] = [
    ability::SECRET_READ,
    ability::SECRET_WRITE,
    ability::SECRET_DECRYPT,
    ability::SECRET_HISTORY,
    ability::SECRET_RESTORE,
    ability::SECRET_PURGE,
    ability::KEY_RETRIEVE,
    ability::KEY_ROTATE,
    ability::PROJECT_CREATE,
    ability::PROJECT_READ,
    ability::PROJECT_UPDATE,
    ability::PROJECT_DELETE,
    ability::TARGET_CREATE,
    ability::TARGET_READ,
    ability::TARGET_UPDATE,
    ability::TARGET_DELETE,
    ability::ENVIRONMENT_CREATE,
    ability::ENVIRONMENT_READ,
    ability::ENVIRONMENT_UPDATE,
    ability::ENVIRONMENT_DELETE,
    ability::ORGANIZATION_READ,
    ability::ORGANIZATION_UPDATE,
    ability::API_TOKEN_CREATE,
    ability::API_TOKEN_READ,
    ability::API_TOKEN_UPDATE,
    ability::API_TOKEN_DELETE,
    ability::AUDIT_READ,
];

/// Whether `name` is `*` or a known ability.
pub fn is_known(name: &str) -> bool {
    name == ability::ALL || KNOWN_ABILITIES.contains(&name)
}

/// A token's abilities.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Abilities(Vec<String>);

impl Abilities {
    /// From a list of names.
    pub fn new(list: impl IntoIterator<Item = impl Into<String>>) -> Abilities {
        Abilities(list.into_iter().map(Into::into).collect())
    }
    /// Every ability (`*`).
    pub fn all() -> Abilities {
        Abilities(vec![ability::ALL.to_owned()])
    }
    /// Whether `ability` is granted (directly or by `*`).
    pub fn has(&self, ability: &str) -> bool {
        self.0.iter().any(|a| a == ability || a == ability::ALL)
    }
    /// The names.
    pub fn names(&self) -> &[String] {
        &self.0
    }
}
