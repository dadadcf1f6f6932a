//! The load itself: `concurrency` connections, each with one request in flight, closed loop or
//! on a fixed schedule; every answer is read to its end and timed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

use crate::args::Args;
use crate::sse::Scanner;
use crate::stats::summary;

/// What one worker saw.
#[derive(Default)]
pub struct Record {
    pub latency_us: Vec<u64>,
    pub ttft_us: Vec<u64>,
    pub gap_us: Vec<u64>,
    pub status: BTreeMap<u16, u64>,
    pub errors: BTreeMap<String, u64>,
    pub ok: u64,
    pub short_streams: u64,
    pub stream_errors: u64,
    pub events: u64,
    pub streams: u64,
    pub bytes_in: u64,
}

impl Record {
    fn merge(&mut self, o: Record) {
        self.latency_us.extend(o.latency_us);
        self.ttft_us.extend(o.ttft_us);
        self.gap_us.extend(o.gap_us);
        for (k, v) in o.status {
            *self.status.entry(k).or_default() += v;
        }
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.ok += o.ok;
        self.short_streams += o.short_streams;
        self.stream_errors += o.stream_errors;
        self.events += o.events;
        self.streams += o.streams;
        self.bytes_in += o.bytes_in;
    }

    fn error(&mut self, kind: &str) {
        *self.errors.entry(kind.to_owned()).or_default() += 1;
    }
}

type Sender = SendRequest<Full<Bytes>>;

async fn connect(addr: &str) -> Result<Sender, String> {
    let tcp = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {}", e.kind()))?;
    let _ = tcp.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|_| "handshake".to_owned())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

fn request(a: &Args) -> Result<Request<Full<Bytes>>, String> {
    let mut req = Request::builder()
        .method(a.method.clone())
        .uri(a.path_and_query())
        .body(Full::new(a.body.clone()))
        .map_err(|e| format!("request: {e}"))?;
    let h = req.headers_mut();
    if let Ok(host) = HeaderValue::from_str(&a.authority) {
        h.insert(HOST, host);
    }
    for (k, v) in &a.headers {
        h.append(k.clone(), v.clone());
    }
    Ok(req)
}

/// One request, timed from `start` (its scheduled time in fixed-rate mode).
async fn one(
    a: &Args,
    sender: &mut Sender,
    start: Instant,
    rec: &mut Record,
) -> Result<(), String> {
    sender
        .ready()
        .await
        .map_err(|_| "connection closed".to_owned())?;
    let resp = sender.send_request(request(a)?).await.map_err(|e| {
        if e.is_canceled() {
            "canceled".to_owned()
        } else {
            "send".to_owned()
        }
    })?;
    let status = resp.status();
    let mut body = resp.into_body();
    let mut scan = Scanner::default();
    let mut ttft = None;
    let mut last_event: Option<Instant> = None;
    let mut gaps = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| "body".to_owned())?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let now = Instant::now();
        rec.bytes_in += data.len() as u64;
        if a.stream {
            let info = scan.feed(&data);
            if info.first_data {
                ttft = Some(now - start);
            }
            if info.events > 0 {
                if let Some(prev) = last_event {
                    gaps.push((now - prev).as_micros() as u64);
                }
                last_event = Some(now);
            }
        }
    }
    let elapsed = start.elapsed();
    *rec.status.entry(status.as_u16()).or_default() += 1;
    rec.latency_us.push(elapsed.as_micros() as u64);
    let mut ok = status.is_success();
    if a.stream && ok {
        rec.streams += 1;
        rec.events += scan.events;
        if let Some(t) = ttft {
            rec.ttft_us.push(t.as_micros() as u64);
        }
        rec.gap_us.extend(gaps);
        if scan.events < a.min_events {
            rec.short_streams += 1;
            ok = false;
        }
        if scan.error {
            rec.stream_errors += 1;
            ok = false;
        }
    }
    if ok {
        rec.ok += 1;
    }
    Ok(())
}

struct Clock {
    start: Instant,
    deadline: Instant,
    next_slot: AtomicU64,
}

type ClockRx = tokio::sync::watch::Receiver<Option<Arc<Clock>>>;

async fn worker(a: Arc<Args>, barrier: Arc<Barrier>, mut clock_rx: ClockRx) -> Record {
    let mut rec = Record::default();
    let addr = a.connect_addr();
    let mut sender = connect(&addr).await.map_err(|e| rec.error(&e)).ok();
    // the clock starts once every connection is open
    barrier.wait().await;
    let clock = match clock_rx.wait_for(Option::is_some).await {
        Ok(c) => c.clone(),
        Err(_) => None,
    };
    let Some(clock) = clock else {
        rec.error("no clock");
        return rec;
    };
    loop {
        let start = match a.rate {
            Some(rate) => {
                let slot = clock.next_slot.fetch_add(1, Ordering::Relaxed);
                let at = clock.start + Duration::from_secs_f64(slot as f64 / rate);
                if at >= clock.deadline {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                at
            }
            None => {
                let now = Instant::now();
                if now >= clock.deadline {
                    break;
                }
                now
            }
        };
        let s = match sender.take() {
            Some(s) if !s.is_closed() => Some(s),
            _ => match connect(&addr).await {
                Ok(s) => Some(s),
                Err(e) => {
                    rec.error(&e);
                    // a refused connection must not become a busy loop
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    None
                }
            },
        };
        let Some(mut s) = s else { continue };
        match tokio::time::timeout(a.timeout, one(&a, &mut s, start, &mut rec)).await {
            Ok(Ok(())) => sender = Some(s),
            Ok(Err(e)) => rec.error(&e),
            Err(_) => rec.error("timeout"),
        }
    }
    rec
}

/// Run the load and return the report.
pub async fn run(a: Args) -> Value {
    let a = Arc::new(a);
    let n = a.concurrency;
    let barrier = Arc::new(Barrier::new(n + 1));
    let (tx, rx) = tokio::sync::watch::channel(None::<Arc<Clock>>);
    let tasks: Vec<_> = (0..n)
        .map(|_| tokio::spawn(worker(a.clone(), barrier.clone(), rx.clone())))
        .collect();
    barrier.wait().await;
    let now = Instant::now();
    let clock = Arc::new(Clock {
        start: now,
        deadline: now + a.duration,
        next_slot: AtomicU64::new(0),
    });
    let _ = tx.send(Some(clock));
    let mut total = Record::default();
    for t in tasks {
        match t.await {
            Ok(r) => total.merge(r),
            Err(_) => total.error("worker failed"),
        }
    }
    report(&a, total, now.elapsed())
}

fn report(a: &Args, r: Record, elapsed: Duration) -> Value {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let completed: u64 = r.status.values().sum();
    let non_2xx: u64 = r
        .status
        .iter()
        .filter(|(s, _)| !(200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    let errors: u64 = r.errors.values().sum();
    let status: BTreeMap<String, u64> = r.status.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    let mut out = json!({
        "url": a.uri.to_string(),
        "mode": if a.rate.is_some() { "rate" } else { "closed" },
        "rate": a.rate,
        "concurrency": a.concurrency,
        "elapsed_s": secs,
        "completed": completed,
        "ok": r.ok,
        "non_2xx": non_2xx,
        "errors": errors,
        "error_kinds": r.errors,
        "status": status,
        "rps": completed as f64 / secs,
        "ok_rps": r.ok as f64 / secs,
        "bytes_in": r.bytes_in,
        "latency_ms": summary(r.latency_us),
    });
    if a.stream {
        out["stream"] = json!({
            "streams": r.streams,
            "events_per_stream": if r.streams > 0 { r.events as f64 / r.streams as f64 } else { 0.0 },
            "short_streams": r.short_streams,
            "stream_errors": r.stream_errors,
            "ttft_ms": summary(r.ttft_us),
            "gap_ms": summary(r.gap_us),
        });
    }
    out
}
