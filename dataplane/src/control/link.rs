//! The connection to the control plane: one lazily (re)connecting HTTP/2 channel shared by the
//! three streams, optional TLS/mTLS, and the cluster token on every call.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gproxy_proto::tonic;
use gproxy_proto::ControlPlaneClient;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::service::Interceptor;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use super::{Backoff, ControlOptions};

/// PEM files for TLS to the control plane: a private CA, and a client identity for mTLS.
#[derive(Debug, Clone, Default)]
pub struct TlsFiles {
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("control plane URL `{0}`: {1}")]
    Url(String, tonic::transport::Error),
    #[error("cannot read {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("--tls-cert and --tls-key go together")]
    HalfIdentity,
    #[error("TLS setup: {0}")]
    Tls(tonic::transport::Error),
    #[error("the cluster token must be printable ASCII")]
    Token,
}

/// Adds `authorization: Bearer <cluster token>` to every call.
#[derive(Clone)]
pub struct ClusterToken(Option<MetadataValue<Ascii>>);

impl Interceptor for ClusterToken {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(v) = &self.0 {
            req.metadata_mut().insert("authorization", v.clone());
        }
        Ok(req)
    }
}

pub type Client = ControlPlaneClient<InterceptedService<Channel, ClusterToken>>;

/// A cheap-to-clone handle on the control plane.
#[derive(Clone)]
pub struct Link {
    channel: Channel,
    token: ClusterToken,
    pub node_id: Arc<str>,
    backoff: Backoff,
}

impl Link {
    pub fn new(opts: &ControlOptions) -> Result<Link, LinkError> {
        let mut endpoint = Endpoint::from_shared(opts.url.clone())
            .map_err(|e| LinkError::Url(opts.url.clone(), e))?
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            // notice a dead control plane (half-open TCP) and reconnect
            .http2_keep_alive_interval(Duration::from_secs(15))
            .keep_alive_timeout(Duration::from_secs(10))
            .keep_alive_while_idle(true);
        if let Some(tls) = tls_config(&opts.url, &opts.tls)? {
            endpoint = endpoint.tls_config(tls).map_err(LinkError::Tls)?;
        }
        let token = match opts.cluster_token.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => Some(
                format!("Bearer {t}")
                    .parse::<MetadataValue<Ascii>>()
                    .map_err(|_| LinkError::Token)?,
            ),
            None => None,
        };
        Ok(Link {
            channel: endpoint.connect_lazy(),
            token: ClusterToken(token),
            node_id: Arc::from(opts.node_id.as_str()),
            backoff: Backoff::new(opts.backoff_min, opts.backoff_max),
        })
    }

    pub fn client(&self) -> Client {
        ControlPlaneClient::with_interceptor(self.channel.clone(), self.token.clone())
    }

    /// A fresh reconnect schedule.
    pub fn backoff(&self) -> Backoff {
        self.backoff.clone()
    }
}

fn tls_config(url: &str, files: &TlsFiles) -> Result<Option<ClientTlsConfig>, LinkError> {
    let wanted = url.starts_with("https://") || files.ca.is_some() || files.cert.is_some();
    if !wanted {
        return Ok(None);
    }
    let read = |p: &PathBuf| std::fs::read(p).map_err(|e| LinkError::File(p.clone(), e));
    let mut tls = ClientTlsConfig::new();
    tls = match &files.ca {
        Some(ca) => tls.ca_certificate(Certificate::from_pem(read(ca)?)),
        None => tls.with_webpki_roots(),
    };
    match (&files.cert, &files.key) {
        (Some(cert), Some(key)) => {
            tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        (None, None) => {}
        _ => return Err(LinkError::HalfIdentity),
    }
    Ok(Some(tls))
}

/// A request stream fed by an mpsc channel.
pub fn outbound<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(url: &str) -> ControlOptions {
        ControlOptions::new(url, "n1")
    }

    #[tokio::test]
    async fn bad_settings_are_refused_at_start() {
        assert!(matches!(
            Link::new(&opts("not a url")),
            Err(LinkError::Url(..))
        ));
        let mut o = opts("http://127.0.0.1:1");
        o.cluster_token = Some("tok\u{e9}n\n".into());
        assert!(matches!(Link::new(&o), Err(LinkError::Token)));
        let mut o = opts("https://cp.internal:8082");
        o.tls.cert = Some("/nonexistent/cert.pem".into());
        assert!(matches!(Link::new(&o), Err(LinkError::HalfIdentity)));
        o.tls.key = Some("/nonexistent/key.pem".into());
        match Link::new(&o) {
            Err(LinkError::File(p, _)) => assert_eq!(p, PathBuf::from("/nonexistent/cert.pem")),
            other => panic!("{:?}", other.err()),
        }
        // plain http with a token, and https on the public roots, are fine
        let mut o = opts("http://127.0.0.1:1");
        o.cluster_token = Some("s3cret".into());
        assert!(Link::new(&o).is_ok());
        assert!(Link::new(&opts("https://cp.internal:8082")).is_ok());
    }
}
