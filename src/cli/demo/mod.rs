//! `demesh demo`: the whole loop in one command, with no account, domain or
//! network. The real server runs on a loopback port with a temporary
//! SQLite database; three member servers run in the same process and check
//! every signature demesh sends, as real fediverse servers do.

mod member_server;
mod script;

use crate::config::{Config, FileConfig, Overrides};
use crate::context::Context;
use crate::db::{Db, NewGroup};
use crate::server;
use anyhow::Context as _;
use member_server::MemberServer;
use std::future::Future;
use std::io::Write;
use std::net::TcpListener;

/// Numbered steps, printed as they start and end. A failure names its step.
pub struct Steps {
    done: usize,
    total: usize,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps { done: 0, total }
    }

    pub async fn run<T>(
        &mut self,
        name: &str,
        step: impl Future<Output = anyhow::Result<T>>,
    ) -> anyhow::Result<T> {
        self.done += 1;
        println!("[{}/{}] {name}", self.done, self.total);
        let _ = std::io::stdout().flush();
        let result = step.await;
        match result {
            Ok(value) => {
                println!("      ok");
                Ok(value)
            }
            Err(e) => Err(e.context(format!(
                "demo failed at step {}/{} ({name})",
                self.done, self.total
            ))),
        }
    }
}

/// Steps in `run` and `script::walk` together.
const STEPS: usize = 12;

pub fn run() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let system = actix_web::rt::System::with_tokio_rt(move || runtime);
    system.block_on(demo())
}

async fn demo() -> anyhow::Result<()> {
    let mut steps = Steps::new(STEPS);
    let dir = tempfile::Builder::new()
        .prefix("demesh-demo-")
        .tempdir()
        .context("cannot create a temporary directory")?;
    let (state, running) = steps
        .run("start demesh on loopback", async {
            let listener = TcpListener::bind("127.0.0.1:0").context("binding a loopback port")?;
            let base = format!("http://{}", listener.local_addr()?);
            let db_path = dir.path().join("demo.db");
            let config = Config::resolve(
                &Overrides {
                    base_url: Some(base.clone()),
                    database_url: Some(format!("sqlite://{}", db_path.display())),
                    // The member servers are on loopback, over http.
                    allow_private_networks: Some("true".into()),
                    ..Overrides::default()
                },
                FileConfig::default(),
            )?;
            let db = Db::connect(&config.database_url)?;
            let state = Context::new(config, db)?;
            let running = server::start(state.clone(), listener)?;
            println!("      server at {base}, database {}", db_path.display());
            Ok((state, running))
        })
        .await?;
    let group = steps
        .run("create the group", async {
            let (private_key_pem, public_key_pem) = crate::keys::generate_rsa_pem()?;
            let group = state.db.create_group(NewGroup {
                name: "club".into(),
                display_name: "Book club".into(),
                summary: "A demo group".into(),
                private_key_pem,
                public_key_pem,
            })?;
            println!(
                "      @club@{} ({})",
                state.config.acct_domain(),
                state.urls.group("club")
            );
            Ok(group)
        })
        .await?;
    let members = steps
        .run("start three member servers", async {
            let members = [
                MemberServer::start("alice")?,
                MemberServer::start("bob")?,
                MemberServer::start("carol")?,
            ];
            for m in &members {
                println!("      {} (verifies the group's signatures)", m.handle());
            }
            Ok(members)
        })
        .await?;
    let cast = script::Cast {
        state: &state,
        group: &group,
        members: &members,
    };
    let walked = script::walk(&mut steps, &cast).await;
    for m in &members {
        m.stop().await;
    }
    running.stop().await;
    walked?;
    drop(dir);
    println!("demo complete: every step passed; the temporary database is removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Steps;

    #[actix_web::test]
    async fn a_failing_step_is_named_in_the_error() {
        let mut steps = Steps::new(2);
        steps.run("first", async { Ok(()) }).await.expect("first");
        let err = steps
            .run::<()>("second", async { anyhow::bail!("no Accept arrived") })
            .await
            .expect_err("second fails");
        let text = format!("{err:#}");
        assert!(
            text.starts_with("demo failed at step 2/2 (second): no Accept arrived"),
            "{text}"
        );
    }
}
