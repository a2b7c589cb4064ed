use clap::Parser;

use inference_lab::cli::classes::ClassesArgs;
use inference_lab::cli::{run_bench, BenchArgs, Cli, Command};
use inference_lab::settings::Settings;
use inference_lab::startup::Application;
use inference_lab::telemetry;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A measurement still running on a blocking thread when serving has ended
/// is not waited for longer than this (it cannot be interrupted mid-batch).
const EXIT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(2);

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // A sandbox process runs no async runtime: it reads a line, answers a line.
    let command = match cli.command {
        Some(Command::KernelSandbox(args)) => return inference_lab::sandbox::child::main(args),
        other => other,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("inference-lab: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        telemetry::init();
        match command.unwrap_or(Command::Serve) {
            Command::Serve => serve(cli.settings.resolved()).await,
            Command::Worker => inference_lab::worker::main(cli.settings.resolved()).await,
            Command::Bench(args) => bench(args).await,
            Command::Classes(args) => classes(cli.settings, args).await,
            Command::KernelSandbox(_) => std::process::ExitCode::FAILURE,
        }
    });
    // Dropping a runtime waits for every blocking task; shutdown must not.
    runtime.shutdown_timeout(EXIT_DEADLINE);
    code
}

async fn bench(args: BenchArgs) -> std::process::ExitCode {
    // The engine blocks (GPU waits, CPU GEMM): keep it off the async workers.
    match tokio::task::spawn_blocking(move || run_bench(&args)).await {
        Ok(Ok(report)) => {
            println!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("inference-lab bench: {e}");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("inference-lab bench: the measurement crashed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn classes(settings: Settings, args: ClassesArgs) -> std::process::ExitCode {
    match inference_lab::cli::classes::run(&settings, &args).await {
        Ok(text) => {
            println!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("inference-lab classes: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> std::process::ExitCode {
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("inference-lab: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Printed (not logged) so scripts and tests can read the address, port 0 included.
    println!("Inference Lab is serving on http://{}", app.local_addr());
    match app.run_until_stopped().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inference-lab: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
