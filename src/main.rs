//! The `discock` binary: logging, configuration, and the server until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use discock::{shutdown_signal, App, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let dotenv = dotenvy::dotenv();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    if let Err(e) = dotenv.as_ref().map(|_| ()).or_else(|e| if e.not_found() { Ok(()) } else { Err(e) }) {
        eprintln!("cannot read .env: {e}");
        return ExitCode::FAILURE;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match App::build(config).await {
        Ok(app) => {
            app.run_until(shutdown_signal()).await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("discock: {e}");
            ExitCode::FAILURE
        }
    }
}
