//! What the mock answers with: command-line flags, and the per-request `x-bench-*` overrides.

use std::net::SocketAddr;
use std::time::Duration;

use hyper::HeaderMap;

pub const USAGE: &str = "usage: bench-upstream [options]
  --listen ADDR:PORT        address to bind (default 127.0.0.1:9100)
  --threads N               tokio worker threads (default 1)
  --latency-ms MS           wait before the response headers (default 0)
  --response-bytes N        pad the answer so a whole JSON body is about N bytes (default 1024)
  --chunks N                content events per stream (default 8)
  --chunk-gap-ms MS         pause between two streamed content events (default 0)
  --answer text|tool        answer with text or with one tool call (default text)
  --stream auto|on|off      stream or not; auto searches the body for \"stream\":true (default auto;
                            Gemini always goes by its path)
  --fail-rate P             fraction of requests answered with an error, 0.0-1.0, spread evenly by a
                            request counter so runs repeat (default 0)
  --fail-status A,B,...     statuses of the injected errors, used in turn (default 500)
  --retry-after SECS        retry-after sent with injected errors
  --model NAME              model named in OpenAI and Anthropic answers (default gpt-4o-mini)

per-request headers override the flags: x-bench-latency-ms, x-bench-response-bytes, x-bench-chunks,
x-bench-chunk-gap-ms, x-bench-answer, x-bench-stream (on|off), x-bench-fail (a status to answer with).
GET /__bench/stats returns the counters; GET /healthz answers ok.";

/// Text or a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    Text,
    Tool,
}

/// How the stream flag of a request is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamMode {
    Auto,
    On,
    Off,
}

/// Everything that shapes a response body; bodies are precomputed per distinct value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    pub response_bytes: usize,
    pub chunks: usize,
    pub answer: Answer,
    pub model: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub listen: SocketAddr,
    pub threads: usize,
    pub latency: Duration,
    pub chunk_gap: Duration,
    pub stream: StreamMode,
    pub fail_rate: f64,
    pub fail_status: Vec<u16>,
    pub retry_after: Option<u32>,
    pub shape: Shape,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 9100)),
            threads: 1,
            latency: Duration::ZERO,
            chunk_gap: Duration::ZERO,
            stream: StreamMode::Auto,
            fail_rate: 0.0,
            fail_status: vec![500],
            retry_after: None,
            shape: Shape {
                response_bytes: 1024,
                chunks: 8,
                answer: Answer::Text,
                model: "gpt-4o-mini".to_owned(),
            },
        }
    }
}

/// Largest padded body; keeps a typo from allocating the machine away.
const MAX_RESPONSE_BYTES: usize = 64 << 20;
const MAX_CHUNKS: usize = 100_000;

fn answer(v: &str) -> Result<Answer, String> {
    match v {
        "text" => Ok(Answer::Text),
        "tool" => Ok(Answer::Tool),
        _ => Err(format!("answer must be text or tool, not {v}")),
    }
}

fn stream_mode(v: &str) -> Result<StreamMode, String> {
    match v {
        "auto" => Ok(StreamMode::Auto),
        "on" | "true" | "1" => Ok(StreamMode::On),
        "off" | "false" | "0" => Ok(StreamMode::Off),
        _ => Err(format!("stream must be auto, on or off, not {v}")),
    }
}

fn statuses(v: &str) -> Result<Vec<u16>, String> {
    let list: Result<Vec<u16>, _> = v.split(',').map(|s| s.trim().parse::<u16>()).collect();
    match list {
        Ok(l) if !l.is_empty() && l.iter().all(|s| (400..=599).contains(s)) => Ok(l),
        _ => Err(format!(
            "fail-status must be error statuses (400-599), not {v}"
        )),
    }
}

fn bytes_arg(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if n <= MAX_RESPONSE_BYTES => Ok(n),
        _ => Err(format!(
            "response-bytes must be at most {MAX_RESPONSE_BYTES}, not {v}"
        )),
    }
}

fn chunks_arg(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=MAX_CHUNKS).contains(&n) => Ok(n),
        _ => Err(format!("chunks must be 1..={MAX_CHUNKS}, not {v}")),
    }
}

impl Config {
    /// Parse flags (without the program name). `Err("")` asks for the usage text.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
        let mut c = Config::default();
        while let Some(flag) = args.next() {
            if flag == "-h" || flag == "--help" {
                return Err(String::new());
            }
            let v = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = || format!("bad value for {flag}: {v}");
            match flag.as_str() {
                "--listen" => c.listen = v.parse().map_err(|_| bad())?,
                "--threads" => c.threads = v.parse::<usize>().map_err(|_| bad())?.max(1),
                "--latency-ms" => c.latency = Duration::from_millis(v.parse().map_err(|_| bad())?),
                "--response-bytes" => c.shape.response_bytes = bytes_arg(&v)?,
                "--chunks" => c.shape.chunks = chunks_arg(&v)?,
                "--chunk-gap-ms" => {
                    c.chunk_gap = Duration::from_millis(v.parse().map_err(|_| bad())?)
                }
                "--answer" => c.shape.answer = answer(&v)?,
                "--stream" => c.stream = stream_mode(&v)?,
                "--fail-rate" => {
                    let p: f64 = v.parse().map_err(|_| bad())?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad());
                    }
                    c.fail_rate = p;
                }
                "--fail-status" => c.fail_status = statuses(&v)?,
                "--retry-after" => c.retry_after = Some(v.parse().map_err(|_| bad())?),
                "--model" => c.shape.model = v,
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        Ok(c)
    }
}

/// The settings of one request: the flags with its `x-bench-*` headers applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub latency: Duration,
    pub chunk_gap: Duration,
    pub stream: StreamMode,
    /// A status forced by `x-bench-fail`.
    pub fail: Option<u16>,
    /// `None` when the flags' shape applies (the precomputed fast path).
    pub shape: Option<Shape>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

impl Effective {
    /// Apply the overrides; a malformed override is an error the client sees as 400.
    pub fn from_headers(c: &Config, h: &HeaderMap) -> Result<Effective, String> {
        let mut e = Effective {
            latency: c.latency,
            chunk_gap: c.chunk_gap,
            stream: c.stream,
            fail: None,
            shape: None,
        };
        // the common case carries no override at all
        if !h.keys().any(|k| k.as_str().starts_with("x-bench-")) {
            return Ok(e);
        }
        let ms = |name: &str, v: &str| {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| format!("{name} must be milliseconds, not {v}"))
        };
        if let Some(v) = header(h, "x-bench-latency-ms") {
            e.latency = ms("x-bench-latency-ms", v)?;
        }
        if let Some(v) = header(h, "x-bench-chunk-gap-ms") {
            e.chunk_gap = ms("x-bench-chunk-gap-ms", v)?;
        }
        if let Some(v) = header(h, "x-bench-stream") {
            e.stream = stream_mode(v)?;
        }
        if let Some(v) = header(h, "x-bench-fail") {
            e.fail = Some(statuses(v)?[0]);
        }
        let mut shape = c.shape.clone();
        if let Some(v) = header(h, "x-bench-response-bytes") {
            shape.response_bytes = bytes_arg(v)?;
        }
        if let Some(v) = header(h, "x-bench-chunks") {
            shape.chunks = chunks_arg(v)?;
        }
        if let Some(v) = header(h, "x-bench-answer") {
            shape.answer = answer(v)?;
        }
        if shape != c.shape {
            e.shape = Some(shape);
        }
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, String> {
        Config::parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags_fill_the_config() {
        let c = parse(
            "--listen 127.0.0.1:7 --threads 2 --latency-ms 5 --response-bytes 2048 --chunks 50 \
             --chunk-gap-ms 10 --answer tool --stream on --fail-rate 0.1 --fail-status 429,500 \
             --retry-after 1 --model m",
        )
        .unwrap();
        assert_eq!(c.listen, SocketAddr::from(([127, 0, 0, 1], 7)));
        assert_eq!((c.threads, c.latency), (2, Duration::from_millis(5)));
        assert_eq!(c.shape.response_bytes, 2048);
        assert_eq!((c.shape.chunks, c.shape.answer), (50, Answer::Tool));
        assert_eq!(c.chunk_gap, Duration::from_millis(10));
        assert_eq!(c.stream, StreamMode::On);
        assert_eq!((c.fail_rate, c.fail_status.clone()), (0.1, vec![429, 500]));
        assert_eq!((c.retry_after, c.shape.model.as_str()), (Some(1), "m"));
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn bad_flags_are_refused() {
        for bad in [
            "--fail-rate 1.5",
            "--fail-status 200",
            "--fail-status x",
            "--chunks 0",
            "--answer json",
            "--stream maybe",
            "--response-bytes 999999999999",
            "--bogus 1",
            "--listen",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(parse("--help"), Err(String::new()));
    }

    #[test]
    fn headers_override_the_flags() {
        let c = Config::default();
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        let e = Effective::from_headers(&c, &h).unwrap();
        assert_eq!((e.shape, e.fail, e.latency), (None, None, Duration::ZERO));
        h.insert("x-bench-latency-ms", "30".parse().unwrap());
        h.insert("x-bench-fail", "429".parse().unwrap());
        h.insert("x-bench-stream", "on".parse().unwrap());
        let e = Effective::from_headers(&c, &h).unwrap();
        assert_eq!(e.latency, Duration::from_millis(30));
        assert_eq!(
            (e.fail, e.stream, e.shape),
            (Some(429), StreamMode::On, None)
        );
        h.insert("x-bench-answer", "tool".parse().unwrap());
        h.insert("x-bench-chunks", "3".parse().unwrap());
        let e = Effective::from_headers(&c, &h).unwrap();
        let shape = e.shape.unwrap();
        assert_eq!((shape.answer, shape.chunks), (Answer::Tool, 3));
        h.insert("x-bench-chunks", "zero".parse().unwrap());
        assert!(Effective::from_headers(&c, &h).is_err());
    }
}
