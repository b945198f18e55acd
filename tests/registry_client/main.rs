//! The device's registry client against a real registry on PostgreSQL.

use groundgame_domain::wire::PROTOCOL_VERSION;
use groundgame_registry::testing::TestRegistry;
use groundgame_sync::RegistryClient;

#[tokio::test]
async fn the_client_checks_the_registry_is_up_and_compatible() {
    let registry = TestRegistry::spawn().await;
    let client = RegistryClient::new(&registry.base_url).expect("client");
    let health = client.health().await.expect("registry is healthy");
    assert!(health.accepts(PROTOCOL_VERSION));
    assert!(health.schema_version >= 1);
}

#[tokio::test]
async fn a_registry_that_lost_its_database_is_reported_as_retryable() {
    let registry = TestRegistry::spawn().await;
    registry.pool.close().await;
    let client = RegistryClient::new(&registry.base_url).expect("client");
    let error = client.health().await.expect_err("database is gone");
    assert!(error.is_retryable(), "{error}");
    assert!(
        error.to_string().contains("cannot reach its database"),
        "{error}"
    );
}
