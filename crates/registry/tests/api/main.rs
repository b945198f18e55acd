//! The registry's HTTP API against a real PostgreSQL.

use groundgame_domain::wire::{Health, HealthStatus, PROTOCOL_VERSION};
use groundgame_registry::testing::TestRegistry;

#[tokio::test]
async fn healthz_reports_ok_and_the_applied_schema() {
    let registry = TestRegistry::spawn().await;
    let response = reqwest::get(format!("{}/healthz", registry.base_url))
        .await
        .expect("registry answers");
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.expect("health JSON");
    assert_eq!(health.status, HealthStatus::Ok);
    assert!(health.accepts(PROTOCOL_VERSION));
    let newest = groundgame_registry::db::MIGRATOR
        .iter()
        .map(|migration| migration.version)
        .max()
        .expect("at least one migration");
    assert_eq!(health.schema_version, newest);
}

#[tokio::test]
async fn migrations_create_the_schema_and_rerunning_them_is_harmless() {
    let registry = TestRegistry::spawn().await;
    groundgame_registry::db::MIGRATOR
        .run(&registry.pool)
        .await
        .expect("second run of the migrations");
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'campaigns'",
    )
    .fetch_one(&registry.pool)
    .await
    .expect("query");
    assert_eq!(tables, 1);
}

#[tokio::test]
async fn healthz_says_503_when_the_database_is_gone() {
    let registry = TestRegistry::spawn().await;
    registry.pool.close().await;
    let response = reqwest::get(format!("{}/healthz", registry.base_url))
        .await
        .expect("registry answers");
    assert_eq!(response.status(), 503);
    let health: Health = response.json().await.expect("health JSON");
    assert_eq!(health.status, HealthStatus::DatabaseUnavailable);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let registry = TestRegistry::spawn().await;
    let response = reqwest::get(format!("{}/no-such-thing", registry.base_url))
        .await
        .expect("registry answers");
    assert_eq!(response.status(), 404);
}

/// The shipped binary, not just the library: `serve` migrates an empty
/// database at start and answers health checks.
#[tokio::test]
async fn the_serve_command_migrates_and_answers_healthz() {
    let database = groundgame_registry::testing::TestDatabase::create().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_groundgame-registry"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &database.url)
        .kill_on_drop(true)
        .spawn()
        .expect("registry binary starts");
    let url = format!("http://127.0.0.1:{port}/healthz");
    let mut health = None;
    for _ in 0..100 {
        if let Ok(response) = reqwest::get(&url).await {
            health = Some(response.json::<Health>().await.expect("health JSON"));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let health = health.expect("the registry answered within 10 s");
    assert_eq!(health.status, HealthStatus::Ok);
    assert!(health.schema_version >= 1);
    server.kill().await.expect("stop the registry");
}

#[tokio::test]
async fn the_serve_command_refuses_a_bad_database_url_clearly() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_groundgame-registry"))
        .args([
            "serve",
            "--database-url",
            "mysql://nope",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .await
        .expect("registry binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database URL is not valid"), "{stderr}");
}

/// The document lists every route the server answers, and the server
/// answers every route it lists (never 404 or 405).
#[tokio::test]
async fn openapi_json_describes_exactly_the_routes_served() {
    let registry = TestRegistry::spawn().await;
    let response = reqwest::get(format!("{}/openapi.json", registry.base_url))
        .await
        .expect("registry answers");
    assert_eq!(response.status(), 200);
    let document: serde_json::Value = response.json().await.expect("JSON");
    assert!(document["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with('3')));
    let paths = document["paths"].as_object().expect("paths");
    let mut listed: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, _)| (method.clone(), path.clone()))
        })
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("get".to_owned(), "/healthz".to_owned()),
            ("get".to_owned(), "/v1/pull".to_owned()),
            ("get".to_owned(), "/v1/review".to_owned()),
            ("get".to_owned(), "/v1/snapshot".to_owned()),
            ("get".to_owned(), "/v1/stats".to_owned()),
            ("get".to_owned(), "/v1/whoami".to_owned()),
            ("post".to_owned(), "/v1/device/wiped".to_owned()),
            ("post".to_owned(), "/v1/enrol".to_owned()),
            ("post".to_owned(), "/v1/leases".to_owned()),
            ("post".to_owned(), "/v1/push".to_owned()),
            ("post".to_owned(), "/v1/review/{id}".to_owned()),
            ("post".to_owned(), "/v1/token".to_owned()),
        ]
    );
    let client = reqwest::Client::new();
    for (method, path) in &listed {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let status = client
            .request(method.clone(), format!("{}{path}", registry.base_url))
            .header(
                groundgame_domain::wire::PROTOCOL_HEADER,
                PROTOCOL_VERSION.to_string(),
            )
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("registry answers")
            .status();
        assert!(
            status != 404 && status != 405,
            "{method} {path} is documented but answered {status}"
        );
    }
    // The schemas the paths name are in the document.
    for schema in [
        "Enrolment",
        "EnrolRequest",
        "AccessToken",
        "DeviceIdentity",
        "ApiErrorBody",
        "Health",
        "PushRequest",
        "PushResponse",
        "PullResponse",
        "LeaseRequest",
        "LeaseResponse",
        "ReviewList",
        "ReviewItem",
        "ReviewDecision",
        "ReviewResolution",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema} is not described"
        );
    }
    assert!(document["components"]["securitySchemes"]["device_token"].is_object());
}
