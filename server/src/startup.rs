//! Builds the application (content, database, router) and serves it.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;

use app::content::Content;
use app::state::ServerState;
use app::{shell, App};

use crate::error::StartupError;
use crate::settings::{EdgeSettings, Settings};
use crate::state::AppState;

pub struct Application {
    listener: TcpListener,
    router: Router,
    edge: EdgeSettings,
}

impl Application {
    /// Loads and checks everything before binding, so a broken content file or an
    /// unusable database stops start-up with a clear message.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let content = Content::load(&settings.content_dir)?;
        tracing::info!(lessons = content.lessons().len(), dir = %settings.content_dir.display(), "content loaded");
        let pool = crate::db::connect(&settings.database).await?;
        tracing::info!(database = %settings.database.display(), "database ready");

        let leptos_options = LeptosOptions::builder()
            .output_name("inference-lab")
            .site_root(settings.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(settings.addr)
            .build();
        let lab = crate::lab::EngineLab::new(
            crate::lab::LabConfig {
                visible_devices: settings.visible_devices.clone(),
                queue_capacity: settings.queue_capacity,
            },
            pool.clone(),
        );
        let server = ServerState {
            pool,
            content: Arc::new(content),
            lab,
            secure_cookies: settings.edge.https,
        };
        let state = AppState {
            leptos_options: leptos_options.clone(),
            server: server.clone(),
        };
        let router = crate::edge::apply(
            router(state.clone(), server, leptos_options),
            crate::api::stream_routes().with_state(state),
            &settings.edge,
        );
        let listener =
            TcpListener::bind(settings.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.addr,
                    source,
                })?;
        Ok(Self {
            listener,
            router,
            edge: settings.edge,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until Ctrl-C / SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        crate::edge::serve::serve(self.listener, self.router, &self.edge, shutdown_signal())
            .await?;
        Ok(())
    }
}

fn router(state: AppState, server: ServerState, leptos_options: LeptosOptions) -> Router {
    let highlight_css = Arc::new(app::content::highlight_css());
    // The WASM, JS and CSS, with the `.gz` copies `make site` writes beside them.
    let pkg = std::path::Path::new(leptos_options.site_root.as_ref()).join("pkg");
    let pkg = tower_http::services::ServeDir::new(pkg).precompressed_gzip();
    let routes = generate_route_list(App);
    Router::new()
        .merge(crate::api::routes())
        .nest_service("/pkg", pkg)
        .route(
            "/highlight.css",
            get(move || {
                let css = highlight_css.clone();
                async move { ([(header::CONTENT_TYPE, "text/css")], css.to_string()) }
            }),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(server.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
