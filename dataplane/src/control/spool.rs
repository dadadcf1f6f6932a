//! The usage spool: records the full outbox cannot hold (control plane away or slow) and records
//! not yet acknowledged at shutdown are appended to JSONL segment files under `--spool-dir`, and
//! read back, oldest segment first, when the stream is healthy. A segment is deleted only once
//! every record read from it has been acknowledged, so a crash re-sends rather than loses (the
//! control plane de-duplicates by request id). Synchronous: the outbox calls it from the request
//! path when full, so appends are small buffered writes.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use gproxy_config::usage::UsageRecord;

/// Records per segment file: one segment is what is held in memory while it is read back.
pub const SEGMENT_RECORDS: usize = 10_000;

const PREFIX: &str = "usage-";
const SUFFIX: &str = ".jsonl";

pub struct Spool {
    dir: PathBuf,
    /// Segment sequence numbers present on disk.
    segments: BTreeSet<u64>,
    /// The segment being appended to, its writer and its record count.
    writing: Option<(u64, BufWriter<File>, usize)>,
}

impl Spool {
    /// Open (creating) the spool directory and find the segments a previous run left.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let mut segments = BTreeSet::new();
        for e in std::fs::read_dir(dir)? {
            if let Some(seq) = e?.file_name().to_str().and_then(parse_name) {
                segments.insert(seq);
            }
        }
        Ok(Spool {
            dir: dir.to_owned(),
            segments,
            writing: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{PREFIX}{seq:020}{SUFFIX}"))
    }

    /// Append records (one JSON object a line), starting a new segment every
    /// [`SEGMENT_RECORDS`].
    pub fn append(&mut self, records: &[UsageRecord]) -> io::Result<()> {
        for r in records {
            let (_, w, count) = self.writer()?;
            serde_json::to_writer(&mut *w, r).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
            *count += 1;
            if *count >= SEGMENT_RECORDS {
                self.seal()?;
            }
        }
        match self.writing.as_mut() {
            Some((_, w, _)) => w.flush(),
            None => Ok(()),
        }
    }

    fn writer(&mut self) -> io::Result<&mut (u64, BufWriter<File>, usize)> {
        if self.writing.is_none() {
            let seq = self.segments.last().map_or(1, |s| s + 1);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.path(seq))?;
            self.segments.insert(seq);
            self.writing = Some((seq, BufWriter::new(file), 0));
        }
        self.writing
            .as_mut()
            .ok_or_else(|| io::Error::other("no spool segment"))
    }

    /// Close the segment being written; the next append starts a new one.
    fn seal(&mut self) -> io::Result<()> {
        match self.writing.take() {
            Some((_, w, _)) => w.into_inner().map_err(|e| e.into_error())?.sync_data(),
            None => Ok(()),
        }
    }

    /// The oldest segment not in `skip` (segments already being sent) and its path, sealing it
    /// first when it is the one being written. Read it with [`read_segment`].
    pub fn next_segment(
        &mut self,
        skip: impl Fn(u64) -> bool,
    ) -> io::Result<Option<(u64, PathBuf)>> {
        let Some(seq) = self.segments.iter().copied().find(|s| !skip(*s)) else {
            return Ok(None);
        };
        if self.writing.as_ref().is_some_and(|w| w.0 == seq) {
            self.seal()?;
        }
        Ok(Some((seq, self.path(seq))))
    }

    /// Every record of `seq` was acknowledged: delete it.
    pub fn remove(&mut self, seq: u64) -> io::Result<()> {
        if self.writing.as_ref().is_some_and(|w| w.0 == seq) {
            self.writing = None;
        }
        self.segments.remove(&seq);
        match std::fs::remove_file(self.path(seq)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// The records of a sealed segment; unreadable lines (a torn last write) are skipped.
pub fn read_segment(path: &Path) -> io::Result<Vec<UsageRecord>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut bad = 0usize;
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).map_err(|_| bad += 1).ok())
        .collect();
    if bad > 0 {
        tracing::warn!(path = %path.display(), lines = bad, "skipped unreadable spooled usage lines");
    }
    Ok(records)
}

fn parse_name(name: &str) -> Option<u64> {
    name.strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests;
