//! The command line: `sbor` serves; subcommands do admin tasks against the same database.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sbor_domain::accounts::Site;
use sbor_domain::{Backend, Db};

use crate::application::{Application, shutdown_signal};
use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "sbor",
    version,
    about = "Sbor: a self-hosted home for tech communities"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server and workers (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage site administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Fill the database with demo data: members, a community, events with RSVPs.
    Seed,
    /// Write a consistent copy of the database: a SQLite file (online, VACUUM INTO) or, for
    /// PostgreSQL, a pg_dump custom-format archive (needs pg_dump on PATH).
    Backup { out: PathBuf },
}

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make EMAIL a site admin (creating the account if needed) and print a one-time login link.
    Create {
        email: String,
        #[arg(long)]
        name: Option<String>,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(config).await?;
            println!("Sbor is running at {}", app.base_url());
            app.run_until_stopped(shutdown_signal()).await
        }
        Command::Migrate => {
            connect(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => {
            let db = connect(&config).await?;
            let site = Site {
                base_url: public_url(&config),
            };
            let (user, link) =
                sbor_domain::accounts::create_admin(&db, &site, &email, name.as_deref()).await?;
            println!(
                "{} is a site admin. Log in within 24 hours with this one-time link:\n{link}",
                user.email
            );
            Ok(())
        }
        Command::Seed => {
            let db = connect(&config).await?;
            let site = Site {
                base_url: public_url(&config),
            };
            let report = crate::seed::seed(&db, &site).await?;
            println!("{report}");
            Ok(())
        }
        Command::Backup { out } => {
            let db = connect(&config).await?;
            backup(&db, &config, &out).await?;
            println!("backup written to {}", out.display());
            Ok(())
        }
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(config.database_url.expose(), 2).await?;
    db.migrate().await?;
    Ok(db)
}

fn public_url(config: &Config) -> String {
    config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind))
}

async fn backup(db: &Db, config: &Config, out: &std::path::Path) -> anyhow::Result<()> {
    if out.exists() {
        anyhow::bail!("{} exists already; choose a new file", out.display());
    }
    match db.backend() {
        Backend::Sqlite => {
            let target = out.to_string_lossy().replace('\'', "''");
            sqlx::query(&format!("VACUUM INTO '{target}'"))
                .execute(db.write())
                .await?;
        }
        Backend::Postgres => {
            // The password goes through the environment, not the command line that `ps` shows.
            let mut url = url::Url::parse(config.database_url.expose())?;
            let password = url.password().map(str::to_owned);
            let _ = url.set_password(None);
            let mut cmd = tokio::process::Command::new("pg_dump");
            if let Some(p) = password {
                cmd.env("PGPASSWORD", p);
            }
            let status = cmd
                .arg("--format=custom")
                .arg("--file")
                .arg(out)
                .arg(url.as_str())
                .status()
                .await
                .map_err(|e| anyhow::anyhow!("cannot run pg_dump: {e}"))?;
            if !status.success() {
                anyhow::bail!("pg_dump failed with {status}");
            }
        }
    }
    Ok(())
}
