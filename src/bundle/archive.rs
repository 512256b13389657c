//! Zip and cab members, read under a size cap. Small members stay in memory; large ones go
//! to an unnamed temporary file (never beside the evidence) that disappears with the process.

use super::input::{self, Content};
use super::{Budget, Member};
use std::io::{self, Cursor, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Why an archive (or one of its members) could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArchiveError {
    #[error("not a readable zip archive: {0}")]
    Zip(String),
    #[error("not a readable cab archive: {0}")]
    Cab(io::Error),
    #[error(
        "archive size cap reached: members would decompress to more than {cap} bytes in total \
         (raise it with --max-archive-bytes)"
    )]
    Cap { cap: u64 },
    #[error(
        "{reached}: member {name} {how} {declared} bytes, more than {what} ({cap} bytes); skipped, the \
         other members are read (raise it with {flag})"
    )]
    TooLarge {
        reached: &'static str,
        name: String,
        how: &'static str,
        declared: u64,
        what: &'static str,
        cap: u64,
        flag: &'static str,
    },
    #[error("member {name}: {source}")]
    Member {
        name: String,
        #[source]
        source: io::Error,
    },
}

/// Makes an archive member name safe to show as a bundle path: forward slashes, and no
/// `..`, `.` or root components. Returns the name and whether anything was removed.
pub(crate) fn sanitize(name: &str) -> (String, bool) {
    let unified = name.replace('\\', "/");
    let mut parts = Vec::new();
    let mut changed = false;
    for part in unified.split('/') {
        match part {
            "" | "." => changed |= !part.is_empty(),
            ".." => changed = true,
            p if p.len() == 2 && p.ends_with(':') => changed = true,
            p => parts.push(p),
        }
    }
    changed |= unified.starts_with('/');
    (parts.join("/"), changed)
}

/// Members larger than this are decompressed into an unnamed temporary file and mapped,
/// so that a large archive does not grow the heap.
const SPILL_BYTES: u64 = 16 << 20;

/// Reads at most the remaining budget (and the per-member cap) from `r`; errors with
/// [`ReadCap::Cap`] past the budget, [`ReadCap::Member`] past the member cap, and
/// [`ReadCap::Declared`], reading nothing, when the declared size alone is past either.
fn read_capped(r: &mut dyn Read, declared: u64, budget: &mut Budget) -> Result<Content, ReadCap> {
    if declared > budget.member_cap.min(budget.remaining()) {
        // A header can lie (a ZIP64 size of 2^62): that member is skipped unread, and the
        // ones after it still fit.
        return Err(ReadCap::Declared(declared));
    }
    // Declared sizes can lie the other way too (zip bombs): never read more than one byte
    // past what is allowed.
    let limit = budget.remaining().min(budget.member_cap) + 1;
    let mut r = r.take(limit);
    let first = SPILL_BYTES.min(limit).min(budget.heap_left());
    let mut buf = Vec::with_capacity(usize::try_from(declared.min(first)).unwrap_or(0));
    (&mut r).take(first).read_to_end(&mut buf).map_err(ReadCap::Io)?;
    let mut total = buf.len() as u64;
    let on_heap = total < first;
    let content = if on_heap {
        Content::Owned(buf)
    } else {
        let mut file = tempfile::tempfile().map_err(ReadCap::Io)?;
        file.write_all(&buf).map_err(ReadCap::Io)?;
        drop(buf);
        total += io::copy(&mut r, &mut file).map_err(ReadCap::Io)?;
        over(total, budget)?;
        input::from_spilled(&mut file, total).map_err(ReadCap::Io)?
    };
    over(total, budget)?;
    budget.spend(total, on_heap);
    Ok(content)
}

/// Whether `total` bytes read of one member broke a cap.
fn over(total: u64, budget: &Budget) -> Result<(), ReadCap> {
    if total > budget.remaining() {
        Err(ReadCap::Cap)
    } else if total > budget.member_cap {
        Err(ReadCap::Member)
    } else {
        Ok(())
    }
}

enum ReadCap {
    /// The bundle's archive budget would be exceeded.
    Cap,
    /// The member decompressed to more than the per-member cap.
    Member,
    /// Its declared size is past a cap; nothing was read.
    Declared(u64),
    Io(io::Error),
}

/// The error for a member skipped for its size (declared, or found while reading).
fn too_large(name: String, declared: Option<u64>, budget: &Budget) -> ArchiveError {
    let (how, declared) = match declared {
        Some(d) => ("declares", d),
        None => ("decompresses to more than", budget.member_cap),
    };
    let (reached, what, cap, flag) = if declared >= budget.member_cap {
        ("per-file cap reached", "the per-file cap", budget.member_cap, "--max-file-bytes")
    } else {
        ("archive size cap reached", "is left under it", budget.remaining(), "--max-archive-bytes")
    };
    ArchiveError::TooLarge { reached, name, how, declared, what, cap, flag }
}

/// Every file member of a zip, in archive order.
pub(crate) fn zip_members(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Result<Member, ArchiveError>>, ArchiveError> {
    // As for cabs: a bug in the zip reader must cost one archive, not the run.
    catch_unwind(AssertUnwindSafe(|| zip_members_unguarded(bytes, budget))).unwrap_or_else(|_| {
        Err(ArchiveError::Zip("the zip reader failed on this archive's headers".into()))
    })
}

fn zip_members_unguarded(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Result<Member, ArchiveError>>, ArchiveError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ArchiveError::Zip(e.to_string()))?;
    let mut out = Vec::new();
    // The zip reader keeps one member per name; the end record says how many there are.
    if let Some(listed) = listed_members(bytes)
        && listed > zip.len()
    {
        out.push(Err(ArchiveError::Member {
            name: format!("{} of {listed}", listed - zip.len()),
            source: io::Error::other(
                "they repeat the name of another member; only one member of each name is read",
            ),
        }));
    }
    for i in 0..zip.len() {
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(e) => {
                out.push(Err(ArchiveError::Member {
                    name: format!("#{i}"),
                    source: io::Error::other(e.to_string()),
                }));
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        let raw_name = file.name().to_string();
        let declared = file.size();
        match read_capped(&mut file, declared, budget) {
            Ok(data) => out.push(Ok(Member { name: raw_name, data })),
            Err(ReadCap::Cap) => {
                out.push(Err(ArchiveError::Cap { cap: budget.cap }));
                break;
            }
            Err(ReadCap::Declared(d)) => out.push(Err(too_large(raw_name, Some(d), budget))),
            Err(ReadCap::Member) => {
                out.push(Err(too_large(raw_name, None, budget)));
            }
            Err(ReadCap::Io(source)) => {
                out.push(Err(ArchiveError::Member { name: raw_name, source }));
            }
        }
    }
    Ok(out)
}

/// The number of members the zip's end-of-central-directory record gives (not for ZIP64,
/// whose record says 0xFFFF).
fn listed_members(bytes: &[u8]) -> Option<usize> {
    let tail = bytes.len().saturating_sub(22 + 0xFFFF);
    let at = bytes[tail..].windows(4).rposition(|w| w == b"PK\x05\x06")? + tail;
    let n = u16::from_le_bytes(bytes.get(at + 10..at + 12)?.try_into().ok()?);
    (n != 0xFFFF).then_some(usize::from(n))
}

/// Every file in a cabinet (`CbsPersist_*.cab`), in cabinet order.
pub(crate) fn cab_members(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Result<Member, ArchiveError>>, ArchiveError> {
    // The cab crate can panic on crafted headers (found by fuzzing); a panic here must not
    // take down the whole run, so it becomes a damaged-archive error.
    catch_unwind(AssertUnwindSafe(|| cab_members_unguarded(bytes, budget))).unwrap_or_else(|_| {
        Err(ArchiveError::Cab(io::Error::other("the cabinet's headers are inconsistent")))
    })
}

fn cab_members_unguarded(
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Vec<Result<Member, ArchiveError>>, ArchiveError> {
    let mut cab = cab::Cabinet::new(Cursor::new(bytes)).map_err(ArchiveError::Cab)?;
    // (name, declared size, whether its folder has any data at all)
    let entries: Vec<(String, u64, bool)> = cab
        .folder_entries()
        .flat_map(|folder| {
            let has_data = folder.num_data_blocks() > 0;
            folder
                .file_entries()
                .map(move |f| (f.name().to_string(), u64::from(f.uncompressed_size()), has_data))
        })
        .collect();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, declared, has_data) in entries {
        // The cab crate finds a file by its name, so a second file of that name would be
        // read as the first one's bytes: it is reported, not read as something it is not.
        if !seen.insert(name.clone()) {
            out.push(Err(ArchiveError::Member {
                name,
                source: io::Error::other(
                    "an earlier file of this cabinet has the same name; only the first is read",
                ),
            }));
            continue;
        }
        if !has_data {
            // A folder without data blocks cannot hold a file; reading one would index
            // past the (empty) block list.
            out.push(Err(ArchiveError::Member {
                name,
                source: io::Error::other("its cabinet folder holds no data"),
            }));
            continue;
        }
        let result = cab
            .read_file(&name)
            .map_err(ReadCap::Io)
            .and_then(|mut r| read_capped(&mut r, declared, budget));
        match result {
            Ok(data) => out.push(Ok(Member { name, data })),
            Err(ReadCap::Cap) => {
                out.push(Err(ArchiveError::Cap { cap: budget.cap }));
                break;
            }
            Err(ReadCap::Declared(d)) => out.push(Err(too_large(name, Some(d), budget))),
            Err(ReadCap::Member) => out.push(Err(too_large(name, None, budget))),
            Err(ReadCap::Io(source)) => out.push(Err(ArchiveError::Member { name, source })),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_cab_file_of_one_name_is_reported_not_read_as_the_first() {
        let mut builder = cab::CabinetBuilder::new();
        let folder = builder.add_folder(cab::CompressionType::None);
        folder.add_file("CBS.log");
        folder.add_file("CBS.log");
        let mut writer = builder.build(Cursor::new(Vec::new())).unwrap();
        let contents: [&[u8]; 2] = [b"first", b"second"];
        let mut i = 0;
        while let Some(mut file) = writer.next_file().unwrap() {
            file.write_all(contents[i]).unwrap();
            i += 1;
        }
        let bytes = writer.finish().unwrap().into_inner();
        let mut budget = Budget::new(1 << 20, 1 << 20);
        let members = cab_members(&bytes, &mut budget).unwrap();
        assert_eq!(members.len(), 2);
        match &members[0] {
            Ok(m) => assert_eq!(m.data.bytes(), b"first"),
            Err(e) => panic!("first member not read: {e}"),
        }
        match &members[1] {
            Err(ArchiveError::Member { name, source }) => {
                assert_eq!(name, "CBS.log");
                assert!(source.to_string().contains("same name"), "{source}");
            }
            Err(e) => panic!("second member reported with the wrong error: {e}"),
            Ok(_) => panic!("second member read as the first one's bytes"),
        }
    }

    #[test]
    fn sanitizes_member_names() {
        assert_eq!(sanitize("logs/CBS.log"), ("logs/CBS.log".into(), false));
        assert_eq!(sanitize("../../etc/passwd"), ("etc/passwd".into(), true));
        assert_eq!(
            sanitize("C:\\Windows\\Logs\\CBS\\CBS.log"),
            ("Windows/Logs/CBS/CBS.log".into(), true)
        );
        assert_eq!(sanitize("/abs/x"), ("abs/x".into(), true));
        assert_eq!(sanitize("a/./b"), ("a/b".into(), true));
    }
}

#[cfg(test)]
mod spill_tests {
    use crate::bundle::{Bundle, OpenOptions};
    use std::io::Write;

    fn zip_of(members: &[(&str, usize)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, len) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(&vec![b'x'; *len]).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn large_members_are_mapped_from_a_temporary_file() {
        let z = zip_of(&[("big.log", 20 << 20), ("small.log", 1000)]);
        let b = Bundle::from_memory("x.zip", z, &OpenOptions::default());
        let big = b.artifacts.iter().find(|a| a.path == "x.zip/big.log").unwrap();
        let small = b.artifacts.iter().find(|a| a.path == "x.zip/small.log").unwrap();
        assert!(big.is_mapped());
        assert_eq!(big.bytes().len(), 20 << 20);
        assert!(big.bytes().iter().all(|&c| c == b'x'));
        assert!(!small.is_mapped());
        assert_eq!(small.bytes().len(), 1000);
    }
}
