//! The `tilgang-mock` binary: serves the fake Maskinporten, token exchange and Altinn 2 API.

use std::{net::SocketAddr, path::PathBuf};

use clap::Parser;
use tilgang_mock::{MockServer, World};

/// A fake of Maskinporten, the Altinn token exchange and the Altinn 2 REST API.
#[derive(Debug, Parser)]
#[command(name = "tilgang-mock", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// World fixtures file (TOML or JSON); the built-in demo world when absent.
    #[arg(long)]
    fixtures: Option<PathBuf>,
    /// State file: the world is written here (atomically) after every change and read from
    /// here on start when it exists, taking precedence over --fixtures.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Print the built-in demo world as TOML and exit.
    #[arg(long)]
    print_demo_world: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.print_demo_world {
        print!("{}", World::demo().to_toml());
        return Ok(());
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let world = match (&args.state, &args.fixtures) {
        (Some(state), _) if state.exists() => World::load(state)?,
        (_, Some(fixtures)) => World::load(fixtures)?,
        _ => World::demo(),
    };
    let server = MockServer::bind(args.listen, world, args.state.clone()).await?;
    let addr = server.local_addr();
    // The first line of output is the contract with scripts that start the binary.
    println!("listening on http://{addr}");
    use std::io::Write;
    std::io::stdout().flush()?;
    tokio::signal::ctrl_c().await?;
    drop(server);
    Ok(())
}
