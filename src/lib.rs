//! wutriage: offline triage of Windows Update failures.
//!
//! # Overview
//!
//! ```text
//! paths ─► bundle::Bundle::open ─► Artifacts      (folders, zips, cabs; mmap; sniff kind)
//!       ─► parse::Texts::decode                   (BOM, UTF-16, invalid UTF-8)
//!       ─► parse::parse (rayon)  ─► events + issues + coverage per artifact
//!       ─► timeline::Timeline    ─► one UTC timeline (offset inferred or given)
//!       ─► diagnose::diagnose    ─► incidents, ranked causes, remedies
//!       ─► report::*             ─► tables, JSON, Markdown, HTML with an SVG timeline,
//!                                   timeline rows for Timesketch / plaso-style CSV
//! ```
//!
//! [`batch`] runs the same path over many bundles, a few at a time, one NDJSON line each.
//!
//! Each stage knows only the types of the stages before it: readers know nothing of rules,
//! and reports decide nothing.

pub mod batch;
pub mod bundle;
pub mod category;
pub mod clock;
pub mod code;
pub mod diagnose;
pub mod error;
pub mod event;
#[doc(hidden)]
pub mod fuzzing;
pub mod knowledge;
pub mod machine;
#[doc(hidden)]
pub mod measure;
pub mod parse;
pub mod pipeline;
pub mod remedy;
pub mod report;
pub mod rules;
pub mod shapes;
pub mod time;
pub mod timeline;
pub mod units;

pub use error::Error;
