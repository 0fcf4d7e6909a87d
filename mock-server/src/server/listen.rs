//! The accept loop: HTTP/1.1 connections served by the router, with the power to close a
//! connection without answering (the drop and lost-response faults).

use axum::{Router, body::Body, response::Response};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::watch};
use tower::ServiceExt;

use super::observe::{DropConnection, normalise};

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

pub(super) async fn accept_loop(
    listener: TcpListener,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            a = listener.accept() => a,
        };
        let Ok((stream, _)) = accepted else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let app = app.clone();
                    async move {
                        let req = normalise(req.map(Body::new));
                        let resp: Response = match app.oneshot(req).await {
                            Ok(r) => r,
                            Err(e) => match e {},
                        };
                        if resp.extensions().get::<DropConnection>().is_some() {
                            return Err::<Response, Dropped>(Dropped);
                        }
                        Ok(resp)
                    }
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}
