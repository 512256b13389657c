//! Builds named in text logs, read from the head and tail of each file rather than line by
//! line: the lines that name a build are routine ones the readers skip, and the tail holds
//! the latest build (updates raise it while a log is written).

use super::{BuildSeen, BuildSource, version_in};
use crate::bundle::Kind;
use crate::time::{TimeBase, Timestamp};
use memchr::memmem;

/// Bytes read at each end of a file.
const EDGE: usize = 256 << 10;

/// The text after the last `needle` in `hay`, up to the end of its line.
fn after_last<'h>(hay: &'h [u8], needle: &[u8]) -> Option<&'h str> {
    // Forward, vectorised, keeping the last: a backward search has no fast path.
    let at = memmem::find_iter(hay, needle).last()? + needle.len();
    let rest = hay.get(at..)?;
    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(64);
    std::str::from_utf8(rest.get(..end)?).ok()
}

/// The build `part` of a log of `kind` names, latest first.
fn build_in(kind: Kind, part: &[u8]) -> Option<(String, BuildSource)> {
    match kind {
        Kind::WindowsUpdate => {
            Some((version_in(after_last(part, b"OSVersion=")?)?, BuildSource::WindowsUpdate))
        }
        Kind::WindowsUpdateLegacy => Some((
            version_in(after_last(part, b"OS Version = ")?.trim_start())?,
            BuildSource::WindowsUpdateLegacy,
        )),
        Kind::Dism => {
            let host = version_in(after_last(part, b"Host machine information: OS Version=")?)?;
            // The target of an online session is the running system: its revision counts
            // when it is the host's build (an offline image of another build does not).
            let target = after_last(part, b"Target image information: OS Version=")
                .and_then(version_in)
                .filter(|t| t.starts_with(&format!("{host}.")));
            Some((target.unwrap_or(host), BuildSource::Dism))
        }
        Kind::Cbs => {
            Some((version_in(after_last(part, b"Device: OS version ")?)?, BuildSource::Cbs))
        }
        _ => None,
    }
}

/// The build a text log names, read from its tail (dated `last`), else its head (dated
/// `first`); times are the log's own, local.
pub fn build_of(
    kind: Kind,
    bytes: &[u8],
    first: Option<Timestamp>,
    last: Option<Timestamp>,
) -> Option<BuildSeen> {
    let tail = bytes.get(bytes.len().saturating_sub(EDGE)..).unwrap_or(bytes);
    let head = bytes.get(..EDGE.min(bytes.len())).unwrap_or(bytes);
    let (found, time) = match build_in(kind, tail) {
        Some(f) => (f, last),
        None if bytes.len() > EDGE => (build_in(kind, head)?, first),
        None => return None,
    };
    let (version, source) = found;
    Some(BuildSeen { version, product: None, source, time, time_base: TimeBase::Local })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_in_each_grammar() {
        let wu = b"2023/05/22 08:23:13.6486717 6868  7884  ProtocolTalker  DeviceAttributes[URI]: E:BranchReadinessLevel=CB&OSVersion=10.0.19045.2965&Foo=1\n";
        let b = build_of(Kind::WindowsUpdate, wu, None, None).unwrap();
        assert_eq!((b.version.as_str(), b.source), ("10.0.19045.2965", BuildSource::WindowsUpdate));
        let legacy =
            b"2021-08-28\t11:05:54:268\t 576\ta70\tReport\t  * OS Version = 6.1.7601.1.0.65792\n";
        assert_eq!(
            build_of(Kind::WindowsUpdateLegacy, legacy, None, None).unwrap().version,
            "6.1.7601"
        );
        let dism = b"2023-05-22 07:23:32, Info                  DISM   DISM.EXE: Host machine information: OS Version=10.0.19045, Running architecture=amd64\n\
2023-05-22 07:23:32, Info                  DISM   DISM.EXE: Target image information: OS Version=10.0.19045.2965, Image architecture=amd64\n";
        assert_eq!(build_of(Kind::Dism, dism, None, None).unwrap().version, "10.0.19045.2965");
        // An offline image of another build: the host's build only.
        let offline = b"x Host machine information: OS Version=10.0.22621, y\nx Target image information: OS Version=10.0.19045.2965, y\n";
        assert_eq!(build_of(Kind::Dism, offline, None, None).unwrap().version, "10.0.22621");
        let cbs = b"2025-04-26 05:21:55, Info                         Device: OS version 10.0.26100.1742\n";
        assert_eq!(build_of(Kind::Cbs, cbs, None, None).unwrap().version, "10.0.26100.1742");
        assert!(build_of(Kind::Cbs, b"Build: 19041.1.amd64fre", None, None).is_none());
    }

    #[test]
    fn the_tail_names_the_latest_build() {
        let mut text = b"x &OSVersion=10.0.19045.4291& y\n".to_vec();
        text.extend(std::iter::repeat_n(b'.', EDGE));
        text.extend(b"\nx &OSVersion=10.0.19045.4355& y\n");
        let (first, last) = (Some(Timestamp(1)), Some(Timestamp(2)));
        let b = build_of(Kind::WindowsUpdate, &text, first, last).unwrap();
        assert_eq!((b.version.as_str(), b.time), ("10.0.19045.4355", last));
        let head_only =
            [b"x &OSVersion=10.0.19045.4291& y\n".as_slice(), &vec![b'.'; EDGE + 10]].concat();
        let b = build_of(Kind::WindowsUpdate, &head_only, first, last).unwrap();
        assert_eq!((b.version.as_str(), b.time), ("10.0.19045.4291", first));
    }
}
