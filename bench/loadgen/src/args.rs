//! Command-line flags of the load generator.

use std::time::Duration;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Uri};

pub const USAGE: &str = "usage: bench-loadgen --url URL [options]
  --url URL              http://HOST:PORT/path?query to load
  --method M             default POST with --body, else GET
  --body FILE            request body (sent as is)
  -H, --header 'K: V'    extra request header (repeatable)
  -c, --concurrency N    connections, one request in flight each (default 16)
  -d, --duration SECS    how long to send (default 5); requests in flight then finish
  -q, --rate RPS         fixed arrival rate (latency counted from each request's scheduled
                         start); without it the loop is closed (as fast as answers come)
  --stream               measure time to the first `data:` and gaps between SSE events
  --min-events N         a stream with fewer SSE events counts as failed (default 1)
  --timeout SECS         per request (default 60)
  --threads N            runtime worker threads (default 1)
prints one JSON object on stdout.";

#[derive(Debug, Clone)]
pub struct Args {
    pub uri: Uri,
    pub authority: String,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub body_file: Option<String>,
    pub concurrency: usize,
    pub duration: Duration,
    pub rate: Option<f64>,
    pub stream: bool,
    pub min_events: u64,
    pub timeout: Duration,
    pub threads: usize,
}

fn secs(flag: &str, v: &str) -> Result<Duration, String> {
    match v.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!("{flag} must be seconds > 0, not {v}")),
    }
}

fn header(v: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (k, val) = v
        .split_once(':')
        .ok_or_else(|| format!("header must be 'Name: value', not {v}"))?;
    let name = HeaderName::try_from(k.trim()).map_err(|_| format!("bad header name in {v}"))?;
    let value =
        HeaderValue::try_from(val.trim()).map_err(|_| format!("bad header value in {v}"))?;
    Ok((name, value))
}

impl Args {
    /// Parse flags (without the program name); the body file is read later. `Err("")` asks
    /// for the usage text.
    pub fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut url = None;
        let mut method = None;
        let mut headers = HeaderMap::new();
        let mut a = Args {
            uri: Uri::from_static("/"),
            authority: String::new(),
            method: Method::GET,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            body_file: None,
            concurrency: 16,
            duration: Duration::from_secs(5),
            rate: None,
            stream: false,
            min_events: 1,
            timeout: Duration::from_secs(60),
            threads: 1,
        };
        while let Some(flag) = it.next() {
            match flag.as_str() {
                "-h" | "--help" => return Err(String::new()),
                "--stream" => {
                    a.stream = true;
                    continue;
                }
                _ => {}
            }
            let v = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let bad = || format!("bad value for {flag}: {v}");
            match flag.as_str() {
                "--url" => url = Some(v.parse::<Uri>().map_err(|_| bad())?),
                "--method" => method = Some(Method::try_from(v.as_str()).map_err(|_| bad())?),
                "--body" => a.body_file = Some(v),
                "-H" | "--header" => {
                    let (k, val) = header(&v)?;
                    headers.append(k, val);
                }
                "-c" | "--concurrency" => {
                    a.concurrency = v.parse::<usize>().map_err(|_| bad())?.clamp(1, 100_000)
                }
                "-d" | "--duration" => a.duration = secs(&flag, &v)?,
                "-q" | "--rate" => {
                    let r: f64 = v.parse().map_err(|_| bad())?;
                    if !(r.is_finite() && r > 0.0) {
                        return Err(bad());
                    }
                    a.rate = Some(r);
                }
                "--min-events" => a.min_events = v.parse().map_err(|_| bad())?,
                "--timeout" => a.timeout = secs(&flag, &v)?,
                "--threads" => a.threads = v.parse::<usize>().map_err(|_| bad())?.max(1),
                _ => return Err(format!("unknown flag {flag}")),
            }
        }
        let uri = url.ok_or("--url is required")?;
        if uri.scheme_str() != Some("http") {
            return Err(format!("only http:// URLs are supported, not {uri}"));
        }
        let authority = uri
            .authority()
            .map(|x| x.as_str().to_owned())
            .ok_or("the URL needs a host")?;
        a.method = method.unwrap_or(if a.body_file.is_some() {
            Method::POST
        } else {
            Method::GET
        });
        a.uri = uri;
        a.authority = authority;
        a.headers = headers;
        Ok(a)
    }

    /// `host:port` to connect to (port 80 when the URL has none).
    pub fn connect_addr(&self) -> String {
        if self.authority.contains(':') && !self.authority.ends_with(']') {
            self.authority.clone()
        } else {
            format!("{}:80", self.authority)
        }
    }

    /// Path and query sent on the request line.
    pub fn path_and_query(&self) -> &str {
        self.uri.path_and_query().map_or("/", |p| p.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Args, String> {
        Args::parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags() {
        let a = parse(
            "--url http://127.0.0.1:9/v1/chat/completions?x=1 --body /tmp/b -H x-a:1 -c 8 -d 2.5 \
             -q 100 --stream --min-events 50 --timeout 3 --threads 2",
        )
        .unwrap();
        assert_eq!(a.connect_addr(), "127.0.0.1:9");
        assert_eq!(a.path_and_query(), "/v1/chat/completions?x=1");
        assert_eq!(a.method, Method::POST);
        assert_eq!(a.headers["x-a"], "1");
        assert_eq!(
            (a.concurrency, a.duration),
            (8, Duration::from_millis(2500))
        );
        assert_eq!((a.rate, a.stream, a.min_events), (Some(100.0), true, 50));
        assert_eq!((a.timeout, a.threads), (Duration::from_secs(3), 2));
        let g = parse("--url http://localhost/healthz").unwrap();
        assert_eq!(
            (g.method.clone(), g.connect_addr()),
            (Method::GET, "localhost:80".into())
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "--url https://x:1/",
            "--url http://x:1/ -q 0",
            "--url http://x:1/ -d -1",
            "--url http://x:1/ -H nocolon",
            "--url http://x:1/ --bogus 1",
            "--url http://x:1/ -c",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
