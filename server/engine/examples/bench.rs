//! `cargo run --example bench -- --device both --model medium --n 4096 --batch 64`
use clap::Parser;
use lab_engine::{run_bench_cli, BenchArgs};

#[derive(Parser)]
#[command(about = "Inference Lab engine benchmark")]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
}

fn main() {
    match run_bench_cli(Cli::parse().args) {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(if e.is_client_error() { 2 } else { 1 });
        }
    }
}
