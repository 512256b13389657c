//! Which machine a log comes from: its computer name (event records, text exports, event
//! 6013's data) and its Windows build (event 6013, WindowsUpdate.log, dism.log, CBS.log).
//!
//! Readers record clues ([`MachineClues`]); [`group`] then puts the artifacts of one
//! machine together, so that logs of different machines given together are never merged
//! into one report.

pub mod group;
pub mod scan;

pub use group::{Group, groups};

use crate::time::{TimeBase, Timestamp};
use serde::Serialize;

/// Most distinct names and builds kept per artifact.
const MAX_CLUES: usize = 256;

/// A computer name as records wrote it, over a stretch of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSeen {
    /// As written (`DESKTOP-1N4R894`, `WKS-WIN764BITB.shieldbase.local`).
    pub name: String,
    /// First record naming it, in `time_base`.
    pub first: Timestamp,
    /// Last record naming it.
    pub last: Timestamp,
    /// UTC (.evtx) or local (a text export).
    pub time_base: TimeBase,
    /// Records naming it.
    pub count: u64,
}

/// Which record told the build.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum BuildSource {
    /// `EventLog` 6013's binary data: product, `10.0.19045 Build 19045`, build lab.
    Event6013,
    /// WindowsUpdate.log device attributes: `OSVersion=10.0.19045.2965`.
    WindowsUpdate,
    /// The legacy WindowsUpdate.log session header: `OS Version = 6.1.7601.1.0.65792`.
    WindowsUpdateLegacy,
    /// dism.log: `Host machine information: OS Version=10.0.19045` (and the UBR of an
    /// online target image of the same build).
    Dism,
    /// CBS.log (Windows 11 24H2): `Device: OS version 10.0.26100.1742`.
    Cbs,
}

/// A Windows build a log names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSeen {
    /// `major.minor.build[.revision]`, e.g. `10.0.19045.2965`.
    pub version: String,
    /// The product (`Windows 10 Pro`), when the record names it.
    pub product: Option<String>,
    /// Where it was read.
    pub source: BuildSource,
    /// When (the record's time, or the log's last time for a build read from its tail).
    pub time: Option<Timestamp>,
    /// The base of `time`.
    pub time_base: TimeBase,
}

/// Everything an artifact says about its machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineClues {
    /// Computer names, in file order (a repeat of the last one extends it).
    pub names: Vec<NameSeen>,
    /// Builds, one per version and source (the latest time kept).
    pub builds: Vec<BuildSeen>,
}

impl MachineClues {
    /// Notes a record naming its computer.
    pub fn name(&mut self, name: &str, time: Timestamp, base: TimeBase) {
        // As written (compared untrimmed: this runs per record; keys trim).
        if name.is_empty() {
            return;
        }
        if let Some(n) = self.names.last_mut()
            && n.name == name
            && n.time_base == base
        {
            n.first = n.first.min(time);
            n.last = n.last.max(time);
            n.count += 1;
            return;
        }
        if let Some(n) = self.names.iter_mut().find(|n| n.name == name && n.time_base == base) {
            n.first = n.first.min(time);
            n.last = n.last.max(time);
            n.count += 1;
            return;
        }
        if self.names.len() < MAX_CLUES {
            let name = name.chars().take(256).collect();
            self.names.push(NameSeen { name, first: time, last: time, time_base: base, count: 1 });
        }
    }

    /// Notes a build.
    pub fn build(&mut self, b: BuildSeen) {
        if let Some(o) =
            self.builds.iter_mut().find(|o| o.version == b.version && o.source == b.source)
        {
            if b.time > o.time {
                o.time = b.time;
            }
            if o.product.is_none() {
                o.product = b.product;
            }
            return;
        }
        if self.builds.len() < MAX_CLUES {
            self.builds.push(b);
        }
    }

    /// Adds what a later piece of the same artifact found.
    pub fn absorb(&mut self, other: MachineClues) {
        for n in other.names {
            self.name_run(n);
        }
        for b in other.builds {
            self.build(b);
        }
    }

    fn name_run(&mut self, n: NameSeen) {
        if let Some(o) =
            self.names.iter_mut().find(|o| o.name == n.name && o.time_base == n.time_base)
        {
            o.first = o.first.min(n.first);
            o.last = o.last.max(n.last);
            o.count += n.count;
        } else if self.names.len() < MAX_CLUES {
            self.names.push(n);
        }
    }
}

/// The key under which names are compared: the first DNS label, upper-cased
/// (`DESKTOP-1N4R894.corp.example` and `desktop-1n4r894` are one computer). `None` for
/// names every Windows setup uses, which tell nothing about the machine.
pub fn name_key(name: &str) -> Option<String> {
    let name = name.trim();
    let host = name.split('.').next().unwrap_or(name).trim();
    let key = host.to_uppercase();
    let generic = key.is_empty()
        || key == "-"
        || key == "LOCALHOST"
        || key == "MINWINPC"
        || key.starts_with("MININT-");
    (!generic).then_some(key)
}

/// A version read from text: digits and dots, three or four parts, the first between 5
/// and 99 (`10.0.19045.2965`, `6.1.7601`). Longer legacy forms (`6.1.7601.1.0.65792`,
/// where the fourth part is the service pack) keep three parts.
pub fn version_in(s: &str) -> Option<String> {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let v = s.get(..end)?.trim_end_matches('.');
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() < 3 || parts.iter().any(|p| p.is_empty() || p.len() > 6) {
        return None;
    }
    let major: u32 = parts.first()?.parse().ok()?;
    if !(5..100).contains(&major) {
        return None;
    }
    let keep = if parts.len() > 4 { 3 } else { parts.len() };
    Some(parts.get(..keep)?.join("."))
}

/// What a report says of the machine it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Machine {
    /// The computer name in the latest record that names one.
    pub name: Option<String>,
    /// Other names the same machine had in these logs (renamed, or before setup finished).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub aliases: Vec<String>,
    /// The product, when event 6013 names it (`Windows 10 Pro`).
    pub product: Option<String>,
    /// The Windows build (`10.0.19045.2965`).
    pub build: Option<String>,
    /// Where the build was read.
    pub build_source: Option<BuildSource>,
    /// Which of the machines given together this is (1-based), and how many there are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<(usize, usize)>,
}

impl Machine {
    /// `DESKTOP-1N4R894 (Windows 10 Enterprise, build 10.0.17134)`, or what is known.
    pub fn describe(&self) -> String {
        let name = self.name.as_deref().unwrap_or("not named in the logs");
        let mut what = Vec::new();
        if let Some(p) = &self.product {
            what.push(p.clone());
        }
        if let Some(b) = &self.build {
            what.push(format!("build {b}"));
        }
        if what.is_empty() { name.to_string() } else { format!("{name} ({})", what.join(", ")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys() {
        assert_eq!(name_key("WKS-WIN764BITB.shieldbase.local").as_deref(), Some("WKS-WIN764BITB"));
        assert_eq!(name_key("desktop-1n4r894").as_deref(), Some("DESKTOP-1N4R894"));
        assert_eq!(name_key("グッドタイム").as_deref(), Some("グッドタイム"));
        assert_eq!(name_key("MINWINPC"), None);
        assert_eq!(name_key("MININT-8F2K1"), None);
        assert_eq!(name_key(" "), None);
    }

    #[test]
    fn versions() {
        assert_eq!(version_in("10.0.19045.2965&Foo").as_deref(), Some("10.0.19045.2965"));
        assert_eq!(version_in("6.1.7601.1.0.65792").as_deref(), Some("6.1.7601"));
        assert_eq!(version_in("10.0.19045, Running").as_deref(), Some("10.0.19045"));
        assert_eq!(version_in("10.0"), None);
        assert_eq!(version_in("1.2.3"), None);
        assert_eq!(version_in("x10.0.1"), None);
    }

    #[test]
    fn names_coalesce() {
        let mut c = MachineClues::default();
        let t = |s: i64| Timestamp(s);
        c.name("A", t(1), TimeBase::Utc);
        c.name("A", t(5), TimeBase::Utc);
        c.name("B", t(6), TimeBase::Utc);
        c.name("A", t(9), TimeBase::Utc);
        assert_eq!(c.names.len(), 2);
        assert_eq!((c.names[0].first, c.names[0].last, c.names[0].count), (t(1), t(9), 3));
    }
}
