//! Devices enrol with a one-time code, trade their secret for short-lived
//! tokens, see their office's scope, and are refused clearly when anything
//! is wrong, on a real PostgreSQL.

use groundgame_domain::wire::{
    AccessToken, ApiErrorBody, DeviceIdentity, Enrolment, Role, APP_VERSION_HEADER,
    PROTOCOL_HEADER, PROTOCOL_VERSION,
};
use groundgame_registry::testing::TestRegistry;
use groundgame_registry::{admin, identity};
use serde_json::json;

/// A request as the app sends it: with the protocol and app versions.
fn api(registry: &TestRegistry, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", registry.base_url))
        .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
        .header(APP_VERSION_HEADER, "test")
}

async fn refused(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status(), status);
    let body: ApiErrorBody = response.json().await.expect("an error body");
    assert_eq!(body.error, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body.message
}

async fn office_with_code(registry: &TestRegistry, role: Role) -> String {
    let campaign = admin::campaign(&registry.pool, "Test campaign")
        .await
        .expect("campaign");
    if admin::offices(&registry.pool, campaign)
        .await
        .expect("offices")
        .is_empty()
    {
        groundgame_registry::testing::seed_precincts(
            &registry.pool,
            campaign,
            &["WAKE-01", "WAKE-02"],
        )
        .await;
        admin::create_office(
            &registry.pool,
            campaign,
            "North",
            &["WAKE-02".into(), "WAKE-01".into()],
        )
        .await
        .expect("office");
    }
    identity::issue_code(&registry.pool, campaign, "North", role, 24)
        .await
        .expect("code")
}

async fn enrol(registry: &TestRegistry, code: &str) -> reqwest::Response {
    api(registry, reqwest::Method::POST, "/v1/enrol")
        .json(&json!({"code": code, "device_name": "Front desk laptop"}))
        .send()
        .await
        .expect("registry answers")
}

/// A device enrolled with a fresh code.
async fn enrolled(registry: &TestRegistry, role: Role) -> Enrolment {
    let code = office_with_code(registry, role).await;
    enrol(registry, &code)
        .await
        .json()
        .await
        .expect("enrolment")
}

async fn token(registry: &TestRegistry, enrolment: &Enrolment) -> AccessToken {
    let response = api(registry, reqwest::Method::POST, "/v1/token")
        .json(&json!({"device_id": enrolment.device_id, "device_secret": enrolment.device_secret}))
        .send()
        .await
        .expect("registry answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("a token")
}

async fn whoami(registry: &TestRegistry, token: &str) -> reqwest::Response {
    api(registry, reqwest::Method::GET, "/v1/whoami")
        .bearer_auth(token)
        .send()
        .await
        .expect("registry answers")
}

#[tokio::test]
async fn a_code_enrols_one_device_which_sees_its_office() {
    let registry = TestRegistry::spawn().await;
    let code = office_with_code(&registry, Role::Caller).await;
    // Typed by hand: lower case, no dash.
    let response = enrol(&registry, &code.to_lowercase().replace('-', "")).await;
    assert_eq!(response.status(), 200);
    let enrolment: Enrolment = response.json().await.expect("enrolment");
    assert_eq!(enrolment.office, "North");
    assert_eq!(enrolment.role, Role::Caller);
    assert_eq!(enrolment.device_secret.len(), 64);

    let access = token(&registry, &enrolment).await;
    assert!(!access.revoked);
    let response = whoami(&registry, &access.access_token).await;
    assert_eq!(response.status(), 200);
    let me: DeviceIdentity = response.json().await.expect("identity");
    assert_eq!(me.device_id, enrolment.device_id);
    assert_eq!(me.device_name, "Front desk laptop");
    assert_eq!(me.campaign, "Test campaign");
    assert_eq!(me.precincts, ["WAKE-01", "WAKE-02"]);

    // The code is spent, and only hashes are stored.
    refused(enrol(&registry, &code).await, 401, "unauthenticated").await;
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT code_hash FROM enrolment_codes")
        .fetch_all(&registry.pool)
        .await
        .expect("codes");
    assert!(stored.iter().all(|hash| hash.len() == 32));
    let audit: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'enrol'")
        .fetch_one(&registry.pool)
        .await
        .expect("audit");
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn bad_codes_credentials_and_tokens_are_refused_with_a_reason() {
    let registry = TestRegistry::spawn().await;
    let message = refused(enrol(&registry, "NOT-A-CODE").await, 400, "malformed").await;
    assert!(message.contains("ten letters and digits"), "{message}");
    refused(
        enrol(&registry, "7KQ2M-X94RD").await,
        401,
        "unauthenticated",
    )
    .await;

    // An expired code.
    let code = office_with_code(&registry, Role::Canvasser).await;
    sqlx::query("UPDATE enrolment_codes SET expires_at = now() - interval '1 minute'")
        .execute(&registry.pool)
        .await
        .expect("expire");
    let message = refused(enrol(&registry, &code).await, 401, "unauthenticated").await;
    assert!(message.contains("coordinator"), "{message}");

    // A wrong secret, no token, a made-up token.
    let enrolment = enrolled(&registry, Role::Canvasser).await;
    let wrong = api(&registry, reqwest::Method::POST, "/v1/token")
        .json(&json!({"device_id": enrolment.device_id, "device_secret": "00"}))
        .send()
        .await
        .expect("registry answers");
    refused(wrong, 401, "unauthenticated").await;
    let anonymous = api(&registry, reqwest::Method::GET, "/v1/whoami")
        .send()
        .await
        .expect("registry answers");
    refused(anonymous, 401, "unauthenticated").await;
    refused(whoami(&registry, "f00d").await, 401, "unauthenticated").await;
    // An expired token.
    let access = token(&registry, &enrolment).await;
    sqlx::query("UPDATE access_tokens SET expires_at = now() - interval '1 second'")
        .execute(&registry.pool)
        .await
        .expect("expire");
    refused(
        whoami(&registry, &access.access_token).await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn malformed_oversized_and_wrong_version_requests_change_nothing() {
    let registry = TestRegistry::spawn().await;
    let code = office_with_code(&registry, Role::Caller).await;
    let devices = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM devices")
            .fetch_one(&registry.pool)
            .await
            .expect("count")
    };
    // Not JSON; JSON without the device name.
    let garbage = api(&registry, reqwest::Method::POST, "/v1/enrol")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("registry answers");
    refused(garbage, 400, "malformed").await;
    let missing = api(&registry, reqwest::Method::POST, "/v1/enrol")
        .json(&json!({"code": code}))
        .send()
        .await
        .expect("registry answers");
    let message = refused(missing, 400, "malformed").await;
    assert!(message.contains("device_name"), "{message}");
    // Over the body limit.
    let huge = api(&registry, reqwest::Method::POST, "/v1/enrol")
        .json(&json!({"code": code, "device_name": "x".repeat(5 * 1024 * 1024)}))
        .send()
        .await
        .expect("registry answers");
    refused(huge, 413, "too_large").await;
    // No protocol header, and one the registry does not speak.
    let unversioned = reqwest::Client::new()
        .post(format!("{}/v1/enrol", registry.base_url))
        .json(&json!({"code": code, "device_name": "x"}))
        .send()
        .await
        .expect("registry answers");
    let message = refused(unversioned, 426, "protocol_unsupported").await;
    assert!(message.contains(PROTOCOL_HEADER), "{message}");
    let future = reqwest::Client::new()
        .post(format!("{}/v1/enrol", registry.base_url))
        .header(PROTOCOL_HEADER, "99")
        .json(&json!({"code": code, "device_name": "x"}))
        .send()
        .await
        .expect("registry answers");
    let message = refused(future, 426, "protocol_unsupported").await;
    assert!(message.contains("\"99\""), "{message}");
    assert_eq!(devices().await, 0, "nothing was enrolled");
    // The code still works after all that.
    assert_eq!(enrol(&registry, &code).await.status(), 200);
    assert_eq!(devices().await, 1);
}

#[tokio::test]
async fn a_revoked_device_is_told_so_on_its_next_contact() {
    let registry = TestRegistry::spawn().await;
    let enrolment = enrolled(&registry, Role::Canvasser).await;
    let access = token(&registry, &enrolment).await;
    let campaign = admin::campaign(&registry.pool, "Test campaign")
        .await
        .expect("campaign");
    identity::revoke(&registry.pool, campaign, &enrolment.device_id)
        .await
        .expect("revoke");
    // The token it already had stops working for reads at once.
    let message = refused(
        whoami(&registry, &access.access_token).await,
        403,
        "device_revoked",
    )
    .await;
    assert!(message.contains("push"), "{message}");
    // A new token says so, so the device can push what it holds and wipe.
    let again = token(&registry, &enrolment).await;
    assert!(again.revoked);
    refused(
        whoami(&registry, &again.access_token).await,
        403,
        "device_revoked",
    )
    .await;
    let stats = admin::stats(&registry.pool, campaign).await.expect("stats");
    assert_eq!((stats.devices, stats.devices_revoked), (1, 1));
    assert!(identity::revoke(&registry.pool, campaign, "not-a-device")
        .await
        .is_err());
}

#[test]
fn the_admin_cli_prints_the_code_alone_on_its_last_line() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let registry = runtime.block_on(TestRegistry::spawn());
    let database_url = registry.database_url();
    let admin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_groundgame-registry"))
            .arg("admin")
            .args(args)
            .env("DATABASE_URL", &database_url)
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("runs")
    };
    let empty = admin(&["office", "create", "East", "--precincts", "P1,P2"]);
    assert!(!empty.status.success());
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("load it first"),
        "{empty:?}"
    );
    runtime.block_on(async {
        let campaign = groundgame_registry::admin::campaign(&registry.pool, "Campaign")
            .await
            .expect("campaign");
        groundgame_registry::testing::seed_precincts(
            &registry.pool,
            campaign,
            &["WAKE-01-01", "WAKE-01-02", "P1", "P2"],
        )
        .await;
    });
    // Typed the way the state's file writes them, without the county.
    let typo = admin(&["office", "create", "East", "--precincts", "P1,01-02"]);
    assert!(!typo.status.success());
    let said = String::from_utf8_lossy(&typo.stderr);
    assert!(
        said.contains("1 of these precincts is not in the master voter file (01-02)")
            && said.contains("the nearest known codes are WAKE-01-02"),
        "{said}"
    );
    let listed = admin(&["precincts", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(
        listed["precincts"][0],
        json!({"code": "P1", "voters": 1}),
        "{listed}"
    );
    assert_eq!(listed["precincts"].as_array().map(Vec::len), Some(4));
    let created = admin(&["office", "create", "East", "--precincts", "P1,P2"]);
    assert!(created.status.success(), "{created:?}");
    let clash = admin(&["office", "create", "West", "--precincts", "P2"]);
    assert!(!clash.status.success());
    assert!(String::from_utf8_lossy(&clash.stderr).contains("already belongs to office \"East\""));
    let enroll = admin(&["enroll", "--office", "East", "--role", "caller"]);
    assert!(enroll.status.success(), "{enroll:?}");
    let stdout = String::from_utf8_lossy(&enroll.stdout);
    let code = stdout.lines().last().expect("a last line");
    assert!(identity::normalise_code(code).is_ok(), "{stdout}");
    // A device names itself; its name reaches the coordinator's terminal
    // with its escape sequences shown, not obeyed.
    runtime
        .block_on(identity::enrol(
            &registry.pool,
            code,
            "Front desk\u{1b}[2J\u{1b}]0;owned\u{7}",
            None,
        ))
        .expect("enrols");
    let devices = admin(&["devices"]);
    let listed = String::from_utf8_lossy(&devices.stdout);
    assert!(
        listed.contains("Front desk\\u{1b}[2J\\u{1b}]0;owned\\u{7}") && !listed.contains('\u{1b}'),
        "{listed:?}"
    );
    let bad_role = admin(&["enroll", "--office", "East", "--role", "boss"]);
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("is not a role"));
    let stats = admin(&["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("json");
    assert_eq!(stats["offices"], 1);
    assert_eq!(stats["enrolment_codes_outstanding"], 0);
    assert_eq!(stats["devices"], 1);
    drop(registry);
}
