//! Artifacts grouped by machine.
//!
//! Names seen in one log belong to one machine (a log outlives a rename: setup's `WIN-…`
//! name, then the user's). Two logs are one machine when they share a name. A log that names
//! no computer (CBS.log, dism.log, WindowsUpdate.log) goes with the machine its path names,
//! else with the machine of the nearest folder that holds logs of exactly one machine; when
//! that is ambiguous it is analysed on its own rather than guessed into a machine.

use super::{BuildSeen, Machine, name_key};
use crate::bundle::Bundle;
use crate::parse::ParsedArtifact;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// The artifacts of one machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Artifact indexes, in bundle order.
    pub artifacts: Vec<usize>,
    /// What is known of the machine.
    pub machine: Machine,
    /// Whether no log of the group names a computer, while other groups do: files that could
    /// not be tied to a machine.
    pub unidentified: bool,
}

/// Union-find over name keys, in a deterministic order.
#[derive(Debug, Default)]
struct Names {
    index: BTreeMap<String, usize>,
    parent: Vec<usize>,
}

impl Names {
    fn id(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.index.insert(key.to_string(), i);
        i
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        // The smaller id stays the root: the machine first named keeps its place.
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi] = lo;
        }
    }
}

/// Tokens of a path that could be a computer name (`PC-7/logs/PC-7_System.evtx` gives
/// `PC-7`, `LOGS`, `SYSTEM`, `EVTX`), upper-cased.
fn path_tokens(path: &str) -> BTreeSet<String> {
    path.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .map(str::to_uppercase)
        .collect()
}

/// The folders holding `path`, deepest first (`a/b/c.log` gives `a/b`, `a`, then the root, an
/// empty string).
fn folders(path: &str) -> impl Iterator<Item = &str> {
    let mut cut = Some(path.len());
    std::iter::from_fn(move || {
        let end = cut?;
        let here = path.get(..end)?;
        let i = here.rfind('/');
        cut = i;
        Some(i.and_then(|i| path.get(..i)).unwrap_or(""))
    })
}

fn under(path: &str, folder: &str) -> bool {
    folder.is_empty() || path.strip_prefix(folder).is_some_and(|r| r.starts_with('/'))
}

/// The machines in a bundle, each with its artifacts; one group (every artifact) when the
/// logs name at most one machine.
pub fn groups(bundle: &Bundle, parsed: &[ParsedArtifact<'_>]) -> Vec<Group> {
    let n = bundle.artifacts.len();
    let mut names = Names::default();
    // The name keys of each artifact.
    let keys: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let Some(p) = parsed.get(i) else { return Vec::new() };
            let mut ids: Vec<usize> = p
                .machine
                .names
                .iter()
                .filter_map(|s| name_key(&s.name))
                .map(|k| names.id(&k))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    for ids in &keys {
        for w in ids.windows(2) {
            names.join(w[0], w[1]);
        }
    }
    // The machine of each named artifact: the root of its names.
    let mut owner: Vec<Option<usize>> =
        keys.iter().map(|ids| ids.first().map(|&i| names.root(i))).collect();
    let roots: BTreeSet<usize> = owner.iter().flatten().copied().collect();
    if roots.len() <= 1 {
        let machine = describe(parsed, &(0..n).collect::<Vec<_>>());
        return vec![Group { artifacts: (0..n).collect(), machine, unidentified: false }];
    }
    // Unnamed artifacts: by a name in their path, else by their folder.
    let key_root: Vec<(String, usize)> =
        names.index.clone().into_iter().map(|(k, i)| (k, names.root(i))).collect();
    let named: Vec<(usize, usize)> =
        owner.iter().enumerate().filter_map(|(i, o)| o.map(|r| (i, r))).collect();
    for (i, a) in bundle.artifacts.iter().enumerate() {
        if owner[i].is_some() {
            continue;
        }
        let tokens = path_tokens(&a.path);
        let by_path: BTreeSet<usize> =
            key_root.iter().filter(|(k, _)| tokens.contains(k)).map(|(_, r)| *r).collect();
        if by_path.len() == 1 {
            owner[i] = by_path.first().copied();
            continue;
        }
        for folder in folders(&a.path) {
            let here: BTreeSet<usize> = named
                .iter()
                .filter(|(j, _)| bundle.artifacts.get(*j).is_some_and(|b| under(&b.path, folder)))
                .map(|(_, r)| *r)
                .collect();
            match here.len() {
                0 => {}
                1 => {
                    owner[i] = here.first().copied();
                    break;
                }
                _ => break,
            }
        }
    }
    // Machines in order of their first artifact; then the files tied to none.
    let mut order: Vec<usize> = Vec::new();
    for o in owner.iter().flatten() {
        if !order.contains(o) {
            order.push(*o);
        }
    }
    let mut out: Vec<Group> = order
        .iter()
        .map(|r| {
            let artifacts: Vec<usize> = (0..n).filter(|&i| owner[i] == Some(*r)).collect();
            Group { machine: describe(parsed, &artifacts), artifacts, unidentified: false }
        })
        .collect();
    let loose: Vec<usize> = (0..n).filter(|&i| owner[i].is_none()).collect();
    let parsed_loose =
        loose.iter().any(|&i| bundle.artifacts.get(i).is_some_and(|a| a.kind.is_parsed()));
    if parsed_loose {
        out.push(Group { machine: describe(parsed, &loose), artifacts: loose, unidentified: true });
    } else if let Some(first) = out.first_mut() {
        // Skipped files (README.txt, .etl) tied to no machine are listed with the first.
        first.artifacts.extend(loose);
        first.artifacts.sort_unstable();
    }
    let total = out.len();
    for (k, g) in out.iter_mut().enumerate() {
        g.machine.part = Some((k + 1, total));
    }
    out
}

/// What the artifacts `members` say of their machine.
fn describe(parsed: &[ParsedArtifact<'_>], members: &[usize]) -> Machine {
    // Names: the latest one is the machine's name now; the others are aliases.
    let mut latest: BTreeMap<String, (Timestamp, String)> = BTreeMap::new();
    let mut builds: Vec<&BuildSeen> = Vec::new();
    for &i in members {
        let Some(p) = parsed.get(i) else { continue };
        for s in &p.machine.names {
            let Some(key) = name_key(&s.name) else { continue };
            let e = latest.entry(key).or_insert((s.last, s.name.clone()));
            if s.last > e.0 {
                *e = (s.last, s.name.clone());
            }
        }
        builds.extend(&p.machine.builds);
    }
    let mut by_time: Vec<(Timestamp, String, String)> =
        latest.into_iter().map(|(k, (t, written))| (t, k, written)).collect();
    by_time.sort();
    let name = by_time.last().map(|(_, _, w)| w.clone());
    let aliases = by_time.iter().rev().skip(1).map(|(_, _, w)| w.clone()).collect();
    // Build: the latest one, made precise by another record of the same build that has
    // the revision (6013 gives `10.0.19045`, WindowsUpdate.log `10.0.19045.2965`).
    builds.sort_by(|a, b| a.time.cmp(&b.time).then(a.version.len().cmp(&b.version.len())));
    let latest_build = builds.last().copied();
    let (build, build_source) = match latest_build {
        Some(b) => {
            let same = |v: &str| {
                v == b.version
                    || v.starts_with(&format!("{}.", b.version))
                    || b.version.starts_with(&format!("{v}."))
            };
            let precise = builds
                .iter()
                .rev()
                .filter(|o| same(&o.version))
                .max_by_key(|o| o.version.split('.').count())
                .copied()
                .unwrap_or(b);
            (Some(precise.version.clone()), Some(precise.source))
        }
        None => (None, None),
    };
    let product = latest_build.and_then(|b| {
        builds
            .iter()
            .rev()
            .filter(|o| o.product.is_some() && b.version.starts_with(o.version.as_str()))
            .find_map(|o| o.product.clone())
            .or_else(|| builds.iter().rev().find_map(|o| o.product.clone()))
    });
    Machine { name, aliases, product, build, build_source, part: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_deepest_first() {
        let f: Vec<&str> = folders("a/b/c.log").collect();
        assert_eq!(f, vec!["a/b", "a", ""]);
        let f: Vec<&str> = folders("c.log").collect();
        assert_eq!(f, vec![""]);
        assert!(under("a/b/c.log", "a"));
        assert!(!under("ab/c.log", "a"));
        assert!(under("x.log", ""));
    }

    #[test]
    fn path_tokens_split_on_separators() {
        let t = path_tokens("case/PC-7_System.evtx");
        assert!(t.contains("PC-7") && t.contains("SYSTEM") && t.contains("CASE"));
    }
}
