//! Builds the application (content, database, router) and serves it.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use axum::http::header;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
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
    lab: LabRunner,
    clock: app::clock::Clock,
}

impl Application {
    /// Loads and checks everything before binding, so a broken content file or an
    /// unusable database stops start-up with a clear message.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let content = Content::load(&settings.content_dir)?;
        tracing::info!(lessons = content.lessons().len(), dir = %settings.content_dir.display(), "content loaded");
        let pool = crate::db::open(&settings).await?;
        tracing::info!(database = %settings.database, engine = pool.engine(), "database ready");

        // Content-hashed file names when `make site` wrote them (assets.rs).
        let assets = crate::assets::SiteAssets::read(&settings.site_root);
        let leptos_options = LeptosOptions::builder()
            .output_name(assets.stem.as_str())
            .site_root(settings.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .site_addr(settings.addr)
            .build();
        let lab = LabRunner::start(&settings, &pool)?;
        // The lab forms' defaults, sized to the adapter runs go to (enumerating
        // the adapters now, which the first run would do anyway).
        let sizing = match lab.lab().devices(None).await {
            Ok(devices) => lab_types::Sizing::of(&devices),
            Err(e) => {
                tracing::warn!(error = %e, "no adapter list: the lab forms get the small sizes");
                lab_types::Sizing::Software
            }
        };
        tracing::info!(?sizing, "lab form defaults");
        let secret = crate::secret_file::load_or_create(&settings.secret_path())?;
        crate::retention::spawn(
            pool.clone(),
            crate::retention::retention(&settings.lab, &settings.bounds),
        );
        crate::quota::spawn(pool.clone(), settings.bounds.quotas.clone());
        let clock = app::clock::Clock::default();
        // Instances sharing a PostgreSQL database share their rate limits too.
        let store = app::limits::rate_limit::LimitStore::for_database(&pool);
        let server = ServerState {
            clock: clock.clone(),
            pool: pool.clone(),
            content: Arc::new(content),
            lab: lab.lab(),
            secure_cookies: settings.edge.https,
            public_origin: settings.edge.public_origin.as_ref().map(|o| o.to_string()),
            answer_limit: Arc::new(app::limits::AnswerLimit::in_store(
                settings.lab.answers_per_minute,
                &store,
            )),
            guess_limit: Arc::new(app::limits::GuessLimit::in_store(
                app::limits::guess::GUESSES_PER_WINDOW,
                &store,
            )),
            kernel_rate: Arc::new(app::limits::KernelRate::in_store(&store)),
            limits: Arc::new(app::limits::client::ClientLimits::in_store(
                settings.bounds.client_rates(),
                &store,
            )),
            secret: secret.clone(),
        };
        let state = AppState {
            leptos_options: leptos_options.clone(),
            server: server.clone(),
        };
        let router = crate::edge::apply(
            router(state.clone(), server, leptos_options, assets, sizing).layer(
                axum::middleware::from_fn_with_state(
                    secret,
                    crate::edge::signed_errors::strip_unsigned,
                ),
            ),
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
            lab,
            clock,
        })
    }

    /// The clock spaced review runs on: tests move it forward.
    pub fn clock(&self) -> app::clock::Clock {
        self.clock.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until Ctrl-C / SIGTERM, then stops the lab (queued jobs are
    /// cancelled, progress streams end) and finishes the requests in flight
    /// within the shutdown deadline.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let lab = self.lab;
        let stop = async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            lab.shut_down();
        };
        crate::edge::serve::serve(self.listener, self.router, &self.edge, stop).await?;
        Ok(())
    }
}

fn router(
    state: AppState,
    server: ServerState,
    leptos_options: LeptosOptions,
    assets: crate::assets::SiteAssets,
    sizing: lab_types::Sizing,
) -> Router {
    let highlight_css = Arc::new(app::content::highlight_css());
    // Questions rendered once per variant (content does not change while serving).
    let question_views: Arc<app::quiz::ViewCache> = Arc::default();
    // Each lesson's fixed HTML, rendered on its first request, and the store
    // that compresses such HTML once (pages carry marks in its place).
    let kept_articles: Arc<app::lessons::KeptArticles> = Arc::default();
    let kept_html = Arc::new(app::kept_html::KeptHtml::new());
    let expand_kept_html = axum::middleware::from_fn_with_state(
        kept_html.clone(),
        crate::edge::kept_html::expand_kept_html,
    );
    // The WASM, JS and CSS, with the `.gz` copies `make site` writes beside them;
    // hashed names are cached for a year (assets.rs).
    let pkg = std::path::Path::new(leptos_options.site_root.as_ref()).join("pkg");
    let pkg =
        axum::routing::get_service(tower_http::services::ServeDir::new(pkg).precompressed_gzip())
            .layer(axum::middleware::from_fn(crate::assets::pkg_cache_control));
    let stylesheet = app::StylesheetHref(assets.css_href.into());
    let fallback_stylesheet = stylesheet.clone();
    let routes = route_list();
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
            move || {
                provide_context(server.clone());
                provide_context(question_views.clone());
                provide_context(kept_articles.clone());
                provide_context(kept_html.clone());
                provide_context(stylesheet.clone());
                provide_context(sizing);
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(
            move || {
                provide_context(fallback_stylesheet.clone());
                provide_context(sizing);
            },
            shell,
        ))
        .with_state(state)
        // Pages and API answers are revalidated (a page holds the learner's
        // latest state); /pkg set its own above.
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static(crate::assets::REVALIDATE),
            ),
        )
        .layer(expand_kept_html)
}

static ROUTE_LIST: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
static ROUTE_LIST_GENERATIONS: AtomicUsize = AtomicUsize::new(0);

/// The app's routes, generated once per process.
///
/// `generate_route_list` renders the app with leptos' process-wide
/// `SuppressResourceLoad` flag set: a resource first polled anywhere in the
/// process meanwhile awaits `pending()` forever, so a page another app in the
/// same process (a test, a second listener) was rendering never finished.
/// Generating the list once, before any app serves, keeps that window closed.
fn route_list() -> Vec<AxumRouteListing> {
    ROUTE_LIST
        .get_or_init(|| {
            ROUTE_LIST_GENERATIONS.fetch_add(1, Ordering::SeqCst);
            generate_route_list(App)
        })
        .clone()
}

/// How often this process has generated the route list (once, after the first build).
pub fn route_list_generations() -> usize {
    ROUTE_LIST_GENERATIONS.load(Ordering::SeqCst)
}

pub(crate) async fn shutdown_signal() {
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

/// The lab this instance serves: its own engine (embedded), or the shared
/// queue in the database (queue mode), with a lab worker of its own when
/// `--with-worker` says so.
enum LabRunner {
    Embedded(Arc<crate::lab::EngineLab>),
    Queue {
        lab: Arc<crate::durable::DurableLab>,
        /// Turns true at shutdown: the in-process worker stops claiming.
        worker_stop: Option<tokio::sync::watch::Sender<bool>>,
    },
}

impl LabRunner {
    fn start(settings: &Settings, pool: &lab_storage::db::Db) -> Result<Self, StartupError> {
        use crate::settings::LabMode;
        let secs = std::time::Duration::from_secs;
        let kernels = kernel_settings(settings)?;
        let queue = match settings.lab.lab_mode {
            LabMode::Embedded => false,
            LabMode::Queue => true,
            LabMode::Auto => pool.engine() == "postgres",
        };
        if !queue {
            if settings.lab.with_worker {
                tracing::warn!("--with-worker is for queue mode: this lab runs its jobs itself");
            }
            return Ok(LabRunner::Embedded(crate::lab::EngineLab::new(
                crate::lab::LabConfig {
                    visible_devices: settings.visible_devices.clone(),
                    queue_capacity: settings.queue_capacity,
                    client_share: settings.lab.client_share,
                    queue_wait_limit: secs(settings.lab.queue_wait_s),
                    abandon_grace: secs(settings.lab.abandoned_job_grace_s),
                    gpu_wait_limit: secs(settings.lab.gpu_wait_s.max(1)),
                    playground: !settings.lab.no_playground,
                    autotune: settings.lab.autotune.choice(),
                    kernels,
                },
                pool.clone(),
            )));
        }
        let lab = crate::durable::DurableLab::new(
            crate::durable::DurableConfig {
                queue_capacity: settings.queue_capacity,
                client_share: settings.lab.client_share,
                abandon_grace: secs(settings.lab.abandoned_job_grace_s.max(1)),
                queue_wait: secs(settings.lab.queue_wait_s.max(1)),
                answer_wait: secs(settings.lab.queue_wait_s + 120),
                playground: !settings.lab.no_playground,
                kernels: kernels.clone(),
            },
            pool.clone(),
        );
        tracing::info!(
            with_worker = settings.lab.with_worker,
            "queue mode: jobs go to lab_jobs"
        );
        let worker_stop = settings.lab.with_worker.then(|| {
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let (db, config) = (pool.clone(), crate::worker::config(settings, Some(kernels)));
            tokio::spawn(async move {
                if let Err(e) = crate::worker::run(db, config, stopped).await {
                    tracing::error!(error = %e, "the lab worker of this instance stopped");
                }
            });
            stop
        });
        Ok(LabRunner::Queue { lab, worker_stop })
    }

    fn lab(&self) -> Arc<dyn app::lab::Lab> {
        match self {
            LabRunner::Embedded(lab) => lab.clone(),
            LabRunner::Queue { lab, .. } => lab.clone(),
        }
    }

    fn shut_down(&self) {
        match self {
            LabRunner::Embedded(lab) => lab.shut_down(),
            LabRunner::Queue { lab, worker_stop } => {
                lab.shut_down();
                if let Some(stop) = worker_stop {
                    stop.send_replace(true);
                }
            }
        }
    }
}

/// How learners' kernels are checked and run (sandbox processes).
fn kernel_settings(settings: &Settings) -> Result<crate::lab::KernelSettings, StartupError> {
    let secs = std::time::Duration::from_secs;
    Ok(crate::lab::KernelSettings {
        program: match &settings.lab.kernel_sandbox {
            Some(p) => p.clone(),
            None => std::env::current_exe().map_err(StartupError::OwnBinary)?,
        },
        visible_devices: settings.visible_devices.clone(),
        gpu_wait_s: settings.lab.gpu_wait_s.max(1),
        memory_mib: settings.lab.kernel_memory_mib.max(64),
        deadline: settings.lab.kernel_deadline_s.map(|s| secs(s.max(1))),
    })
}
