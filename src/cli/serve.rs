//! `demesh serve` and `demesh migrate`.

use crate::config::Config;
use crate::db::Db;
use anyhow::Context;

pub fn serve(config: Config) -> anyhow::Result<()> {
    // A multi-threaded runtime under actix's System: the HTTP workers get
    // their own threads, and background work (delivery, signing) can use
    // every core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let system = actix_web::rt::System::with_tokio_rt(move || runtime);
    system.block_on(crate::server::serve(config))
}

pub fn migrate(config: Config) -> anyhow::Result<()> {
    let db = Db::open(&config.database_url)?;
    let applied = db.migrate().context("migrate")?;
    println!(
        "{} database is up to date ({applied} migration{} applied)",
        db.backend().name(),
        if applied == 1 { "" } else { "s" }
    );
    Ok(())
}
