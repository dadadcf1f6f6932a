//! Data-plane errors: where they come from, whether a retry elsewhere may help, and how each is
//! answered in the caller's protocol shape (the one place that maps errors to responses).

use std::borrow::Cow;

use axum::body::Body;
use axum::response::Response;
use gproxy_protocol::OperationKind;
use gproxy_transform::ir::{self, ErrorKind};

/// Who caused a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Client,
    Upstream,
    Gateway,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub status: u16,
    pub message: Cow<'static, str>,
    /// Provider or gateway error code (`model_not_found`, `insufficient_quota`, ...).
    pub code: Option<Cow<'static, str>>,
    pub param: Option<String>,
    pub source: Source,
    /// Seconds the client should wait (429/503), sent as `retry-after`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            kind,
            status: kind.status(),
            message: message.into(),
            code: None,
            param: None,
            source: Source::Client,
            retry_after: None,
        }
    }

    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(Cow::Borrowed(code));
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn gateway(mut self) -> Self {
        self.source = Source::Gateway;
        self
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidRequest, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Authentication, "invalid or missing API key").code("invalid_api_key")
    }

    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            format!("model `{model}` does not exist or is not routed"),
        )
        .code("model_not_found")
    }

    pub fn forbidden(model: &str) -> Self {
        Self::new(
            ErrorKind::PermissionDenied,
            format!("this key may not use model `{model}`"),
        )
        .code("model_not_permitted")
    }

    pub fn overloaded(message: &'static str) -> Self {
        let mut e = Self::new(ErrorKind::Overloaded, message).gateway();
        e.retry_after = Some(1);
        e
    }

    pub fn from_ir(e: ir::Error, source: Source) -> Self {
        ApiError {
            kind: e.kind,
            status: e.status,
            message: Cow::Owned(e.message),
            code: e.code.map(Cow::Owned),
            param: e.param,
            source,
            retry_after: None,
        }
    }

    pub fn to_ir(&self) -> ir::Error {
        ir::Error {
            kind: self.kind,
            status: self.status,
            message: self.message.to_string(),
            code: self.code.as_ref().map(|c| c.to_string()),
            param: self.param.clone(),
        }
    }

    /// The response in the caller's protocol shape.
    pub fn render(&self, kind: OperationKind, request_id: &str) -> Response {
        let body = gproxy_transform::codec(kind).encode_error(&self.to_ir());
        let mut builder = Response::builder()
            .status(self.status)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header("x-request-id", request_id);
        if let Some(s) = self.retry_after {
            builder = builder.header(http::header::RETRY_AFTER, s);
        }
        builder
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

impl From<gproxy_transform::TransformError> for ApiError {
    fn from(e: gproxy_transform::TransformError) -> Self {
        let mut out = ApiError::bad_request(e.to_string());
        out.param = e.param().map(str::to_owned);
        if matches!(e, gproxy_transform::TransformError::Unsupported(_)) {
            out.code = Some(Cow::Borrowed("unsupported_by_upstream"));
        }
        out
    }
}
