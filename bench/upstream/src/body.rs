//! The response body: one precomputed buffer, or stream frames released with a pause between
//! them.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

pub enum BenchBody {
    /// Sent in one write, with a content-length.
    Whole(Option<Bytes>),
    /// Chunked; `gap` between two frames.
    Frames {
        frames: Arc<[Bytes]>,
        next: usize,
        gap: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
    },
}

impl BenchBody {
    pub fn whole(b: Bytes) -> Self {
        BenchBody::Whole(Some(b))
    }

    pub fn frames(frames: Arc<[Bytes]>, gap: Duration) -> Self {
        BenchBody::Frames {
            frames,
            next: 0,
            gap,
            sleep: None,
        }
    }
}

impl Body for BenchBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            BenchBody::Whole(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            BenchBody::Frames {
                frames,
                next,
                gap,
                sleep,
            } => {
                let Some(frame) = frames.get(*next).cloned() else {
                    return Poll::Ready(None);
                };
                if *next > 0 && !gap.is_zero() {
                    let s = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*gap)));
                    if s.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *sleep = None;
                }
                *next += 1;
                Poll::Ready(Some(Ok(Frame::data(frame))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            BenchBody::Whole(b) => b.is_none(),
            BenchBody::Frames { frames, next, .. } => *next >= frames.len(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            BenchBody::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            BenchBody::Whole(None) => SizeHint::with_exact(0),
            BenchBody::Frames { .. } => SizeHint::default(),
        }
    }
}
