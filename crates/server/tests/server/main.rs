//! envdesk-server over real HTTP (bound to 127.0.0.1:0), one test binary.

mod abilities;
mod audit;
mod backup;
mod cli;
mod client_managed;
mod concurrency;
mod crash;
mod endpoints;
mod hardening;
mod keys;
mod metrics;
mod migrate;
mod read_cache;
mod redaction;
mod replicas;
mod shapes;
mod support;
mod versions;
mod zero_knowledge;
