//! The conformance suite: every `Vault` operation, run against both backends — `HttpBackend` to a real
//! envdesk-server on 127.0.0.1:0, and the local vault in-process — and `upstream`: the client against
//! dotEnv Cloud's documented answer shapes.

mod activity;
mod cases;
mod harness;
mod hostile;
mod key_history;
mod matrix;
mod memo;
mod schema;
mod search;
mod security;
mod upstream;
mod views;
