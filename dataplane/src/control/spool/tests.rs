use gproxy_config::usage::{EndState, UsageRecord};

use super::*;

fn rec(id: usize) -> UsageRecord {
    UsageRecord {
        request_id: format!("req-{id}"),
        ts_ms: 1,
        user: "u".into(),
        key: "k".into(),
        route: "r".into(),
        provider: None,
        credential: None,
        model: None,
        operation: "chat".into(),
        inbound_kind: "openai_chat".into(),
        upstream_kind: None,
        stream: false,
        input_tokens: id as u64,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
        cost_usd: 0.5,
        status: 200,
        end: EndState::Completed,
        latency_ms: 3,
        ttft_ms: None,
        attempts: 1,
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gproxy-spool-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn next(s: &mut Spool, skip: impl Fn(u64) -> bool) -> (u64, Vec<UsageRecord>) {
    let (seq, path) = s.next_segment(skip).unwrap().unwrap();
    (seq, read_segment(&path).unwrap())
}

#[test]
fn records_come_back_oldest_segment_first_and_survive_a_restart() {
    let dir = temp_dir("order");
    let mut s = Spool::open(&dir).unwrap();
    assert!(s.is_empty());
    let first: Vec<_> = (0..SEGMENT_RECORDS + 3).map(rec).collect();
    s.append(&first).unwrap();
    s.append(&[rec(99_999)]).unwrap();
    drop(s);

    // a new process finds both segments
    let mut s = Spool::open(&dir).unwrap();
    let (seq1, a) = next(&mut s, |_| false);
    assert_eq!(a.len(), SEGMENT_RECORDS);
    assert_eq!(a[0], rec(0));
    let (seq2, b) = next(&mut s, |q| q == seq1);
    let tail = [
        SEGMENT_RECORDS,
        SEGMENT_RECORDS + 1,
        SEGMENT_RECORDS + 2,
        99_999,
    ];
    assert_eq!(b, tail.map(rec).to_vec());
    // reading sealed it: new records start another segment
    s.append(&[rec(7)]).unwrap();
    s.remove(seq1).unwrap();
    s.remove(seq2).unwrap();
    assert_eq!(next(&mut s, |_| false).1, vec![rec(7)]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_torn_last_line_is_skipped() {
    let dir = temp_dir("torn");
    let mut s = Spool::open(&dir).unwrap();
    s.append(&[rec(1), rec(2)]).unwrap();
    drop(s);
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"request_id\":\"req-3\",\"ts");
    std::fs::write(&path, text).unwrap();
    let mut s = Spool::open(&dir).unwrap();
    let (seq, recs) = next(&mut s, |_| false);
    assert_eq!(recs, vec![rec(1), rec(2)]);
    s.remove(seq).unwrap();
    assert!(s.is_empty());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}
