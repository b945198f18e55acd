//! No cheap denial of service (issue 11): slow clients on real sockets,
//! floods from one address or one device, oversized bodies and parallel
//! snapshots are cut off or refused with a reason and a time to come back,
//! while a laptop syncs as usual.

use crate::contact;
use crate::fixture::Campaign;
use groundgame_domain::wire::{Role, PROTOCOL_HEADER, PROTOCOL_VERSION};
use groundgame_registry::db::QueryLimits;
use groundgame_registry::http::{Config, Rate};
use groundgame_registry::identity;
use groundgame_registry::testing::TestRegistry;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How many slow connections the attack opens: more than the registry
/// works on at once (`IN_FLIGHT`).
const SLOW_BODIES: usize = 300;
const SLOW_HEADERS: usize = 100;

/// Connections that start a token request and then trickle its body, and
/// ones that never finish their headers; each stops after `lasting`.
async fn slow_clients(
    address: std::net::SocketAddr,
    lasting: Duration,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    for index in 0..SLOW_BODIES + SLOW_HEADERS {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            continue;
        };
        tasks.push(tokio::spawn(async move {
            let head = if index < SLOW_BODIES {
                format!(
                    "POST /v1/token HTTP/1.1\r\nhost: registry\r\ncontent-type: application/json\r\n\
                     {PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\ncontent-length: 1000\r\n\r\n{{"
                )
            } else {
                "POST /v1/token HTTP/1.1\r\nhost: registry\r\n".to_owned()
            };
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let until = Instant::now() + lasting;
            while Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let trickle: &[u8] = if index < SLOW_BODIES { b" " } else { b"x" };
                if stream.write_all(trickle).await.is_err() {
                    return;
                }
            }
        }));
    }
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_laptop_syncs_while_hundreds_of_slow_clients_hold_connections() {
    let campaign = Campaign::new(600).await;
    let north = campaign.voters_in("North").await;
    let mut calm = campaign.device("North", Role::Canvasser).await;
    let mut attacked = campaign.device("North", Role::Canvasser).await;
    calm.record(&contact(&north[0], "not-home"));
    attacked.record(&contact(&north[1], "not-home"));

    let started = Instant::now();
    calm.sync().await;
    let baseline = started.elapsed();

    let attack = slow_clients(campaign.registry.address, Duration::from_secs(15)).await;
    assert!(
        attack.len() > SLOW_BODIES,
        "the attack holds its connections"
    );
    let started = Instant::now();
    let report = attacked.sync().await;
    let under_attack = started.elapsed();
    for task in attack {
        task.abort();
    }
    assert_eq!((report.pushed, report.accepted), (1, 1), "{report:?}");
    assert_eq!(
        campaign
            .count("SELECT count(*) FROM contact_attempts")
            .await,
        2
    );
    // The figure for the issue's note (a ratio, not an assertion: these
    // machines are shared).
    println!(
        "slow-client attack: sync {:.0} ms against {:.0} ms without ({:.2} x) with {SLOW_BODIES} slow bodies and {SLOW_HEADERS} slow headers",
        under_attack.as_secs_f64() * 1_000.0,
        baseline.as_secs_f64() * 1_000.0,
        under_attack.as_secs_f64() / baseline.as_secs_f64().max(1e-6)
    );
}

async fn registry_with(config: Config) -> TestRegistry {
    TestRegistry::spawn_configured(QueryLimits::default(), config).await
}

/// Reads what the server sends until it closes the connection.
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the registry never closed the connection");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn slow_headers_and_slow_bodies_are_cut_off() {
    let registry = registry_with(Config {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        ..Config::default()
    })
    .await;
    let mut headers = TcpStream::connect(registry.address).await.expect("connect");
    headers
        .write_all(b"POST /v1/token HTTP/1.1\r\nhost: x\r\n")
        .await
        .expect("write");
    let answer = until_closed(&mut headers).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer:?}"
    );

    let mut body = TcpStream::connect(registry.address).await.expect("connect");
    body.write_all(
        format!(
            "POST /v1/token HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             {PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\nconnection: close\r\ncontent-length: 100\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let answer = until_closed(&mut body).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("\"error\":\"timeout\""), "{answer:?}");
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn floods_from_one_address_or_one_device_are_answered_429_with_a_time_to_return() {
    let registry = registry_with(Config {
        per_address: Some(Rate {
            per_minute: 1,
            burst: 8,
        }),
        enrolments_per_address: Some(Rate {
            per_minute: 1,
            burst: 3,
        }),
        ..Config::default()
    })
    .await;
    let enrol = |code: &str| {
        http()
            .post(format!("{}/v1/enrol", registry.base_url))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .json(&serde_json::json!({"code": code, "device_name": "guess"}))
            .send()
    };
    let mut statuses = Vec::new();
    for guess in ["AAAAA-AAAAA", "AAAAA-AAAAB", "AAAAA-AAAAC", "AAAAA-AAAAD"] {
        let response = enrol(guess).await.expect("answered");
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(
                response.headers().get("retry-after").is_some(),
                "{response:?}"
            );
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["error"], "rate_limited", "{body}");
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429], "three guesses, then a wait");
    let failed: Vec<String> = groundgame_registry::testing::query_strings(
        &registry.pool,
        "SELECT client FROM failed_enrolments ORDER BY id",
    )
    .await;
    assert_eq!(
        failed, ["127.0.0.1"; 3],
        "every miss is kept with its address"
    );

    let mut last = 0;
    for _ in 0..8 {
        last = http()
            .get(format!("{}/v1/whoami", registry.base_url))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .send()
            .await
            .expect("answered")
            .status()
            .as_u16();
    }
    assert_eq!(last, 429, "the address's burst is spent");
}

#[tokio::test]
async fn one_device_is_limited_on_its_own_and_downloads_one_snapshot_at_a_time() {
    let campaign = Campaign::new(600).await;
    let device = campaign.fresh_device("North", Role::Canvasser).await;
    let (client, token) = device.token().await.expect("token");
    let first = client
        .snapshot(&token, None)
        .await
        .expect("a snapshot starts");
    let second = client
        .snapshot(&token, None)
        .await
        .err()
        .expect("a second one at once is refused");
    assert_eq!(
        second.code(),
        Some(groundgame_domain::wire::ErrorCode::RateLimited),
        "{second}"
    );
    assert!(second.retry_after().is_some());
    drop(first);

    let limited = registry_with(Config {
        per_device: Some(Rate {
            per_minute: 1,
            burst: 3,
        }),
        ..Config::default()
    })
    .await;
    let id = groundgame_registry::admin::campaign(&limited.pool, "Limited")
        .await
        .expect("campaign");
    groundgame_registry::testing::seed_precincts(&limited.pool, id, &["P1"]).await;
    groundgame_registry::admin::create_office(&limited.pool, id, "HQ", &["P1".to_owned()])
        .await
        .expect("office");
    let code = identity::issue_code(&limited.pool, id, "HQ", Role::Admin, 1)
        .await
        .expect("code");
    assert_eq!(code.len(), 23, "an admin's code is 100 bits: {code}");
    let client = groundgame_sync::RegistryClient::new(&limited.base_url).expect("client");
    let enrolment = client.enrol(&code, "HQ laptop").await.expect("enrols");
    let token = client
        .token(&enrolment.device_id, &enrolment.device_secret)
        .await
        .expect("token")
        .access_token;
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(
            client
                .whoami(&token)
                .await
                .err()
                .and_then(|error| error.code()),
        );
    }
    assert_eq!(
        answers,
        [
            None,
            None,
            None,
            Some(groundgame_domain::wire::ErrorCode::RateLimited)
        ],
        "the device's burst is spent"
    );
}

#[tokio::test]
async fn a_token_request_carries_a_small_body_and_expired_tokens_are_purged() {
    let campaign = Campaign::new(600).await;
    let device = campaign.device("North", Role::Canvasser).await;
    let response = http()
        .post(format!("{}/v1/token", campaign.registry.base_url))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header("content-type", "application/json")
        .body(format!(
            "{{\"device_id\": \"{}\", \"device_secret\": \"{}\"}}",
            device.device_id,
            "x".repeat(8 * 1024)
        ))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 413);

    for _ in 0..3 {
        device.token().await.expect("token");
    }
    sqlx::query("UPDATE access_tokens SET expires_at = now() - interval '2 hours'")
        .execute(&campaign.registry.pool)
        .await
        .expect("aged");
    device.token().await.expect("a new token");
    assert_eq!(
        campaign.count("SELECT count(*) FROM access_tokens").await,
        1,
        "only the new token is left"
    );
}
