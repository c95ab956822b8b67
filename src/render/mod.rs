//! The renderers: functions of (the model, `&mut impl Write`, options) that never print on
//! their own — text, JSON and JSON Lines for every command (one document / line writer shared
//! by all), check's stream, one HTML page per command, ECS events, Prometheus metrics, and the
//! JSON Schemas.

mod audit;
mod demo;
mod discovery;
mod ecs;
mod html;
mod json;
mod logs;
mod prometheus;
mod schema;
mod stream;
mod text;
mod trust;
mod trust_diff;

pub use audit::{write_audit_json, write_audit_jsonl, write_audit_text};
pub use demo::write_demo_jsonl;
pub use discovery::{write_discovery_json, write_discovery_jsonl, write_discovery_text};
pub use ecs::{ECS_VERSION, write_ecs};
pub use html::{
    write_audit_html, write_discovery_html, write_html, write_logs_html, write_trust_html,
};
pub use json::{write_document, write_json, write_jsonl};
pub use logs::{write_logs_json, write_logs_jsonl, write_logs_text};
pub use prometheus::{write_prometheus, write_trust_prometheus};
pub use schema::{SchemaFile, schemas};
pub use stream::{StreamFormat, StreamWriter};

pub use text::{TextOptions, write_text};
pub use trust::{write_trust_json, write_trust_jsonl, write_trust_text};
pub use trust_diff::{write_diff_json, write_diff_text};
