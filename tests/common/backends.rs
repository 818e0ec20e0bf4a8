//! Runs each test body once per backend: SQLite always, PostgreSQL when
//! DEMESH_TEST_DATABASE_URL names a server (CI always sets it).

/// `backend_tests!(a, b)` makes `sqlite::a`, `postgres::a`, … from
/// `async fn a(backend: Backend)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if !$crate::common::postgres_or_skip() {
                        return;
                    }
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}
