//! End-to-end: the real app binary in a real window (Xvfb), driven over
//! WebDriver through tauri-driver and WebKitWebDriver.

use fantoccini::Locator;
use groundgame_domain::ipc::VoterQuery;
use groundgame_store::{DemoConfig, Passphrase, Store};
use groundgame_tests::desktop::{path_arg, visible_text, Desktop};

const PASSPHRASE: &str = "doors before dinner";

async fn type_into(app: &Desktop, css: &str, text: &str) {
    let field = app
        .client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"));
    field.clear().await.expect("clear field");
    field.send_keys(text).await.expect("type");
}

async fn click(app: &Desktop, css: &str) {
    app.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"))
        .click()
        .await
        .unwrap_or_else(|error| panic!("cannot click {css}: {error}"));
}

/// First start: the user chooses a passphrase, the app creates the encrypted
/// demo office, the voter list shows voters, and typing in search narrows the
/// list to exactly what the store says matches.
#[tokio::test]
async fn first_start_creates_the_demo_office_and_search_narrows_the_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("office.db");
    let mut app = Desktop::launch("first-start-search", &["--db", path_arg(&db)]).await;

    app.wait_for_text(".unlock h1", |text| text.contains("Choose a passphrase"))
        .await;
    type_into(&app, "#passphrase", PASSPHRASE).await;
    type_into(&app, "#passphrase-confirm", "not the same").await;
    app.screenshot("choose-passphrase").await;
    click(&app, "#unlock").await;
    app.wait_for_text("#unlock-error", |text| text.contains("differ"))
        .await;
    assert!(
        !db.exists(),
        "nothing is created until the passphrase is confirmed"
    );
    type_into(&app, "#passphrase-confirm", PASSPHRASE).await;
    click(&app, "#unlock").await;

    app.wait_for_text("#office-name", |text| text.contains("demo"))
        .await;
    let rows = app.wait_for_count(".voter-row", |count| count > 0).await;
    assert_eq!(rows, 100, "the first page shows 100 voters");
    let everyone = app
        .wait_for_text("#result-count", |text| text.contains(" of "))
        .await;
    assert_eq!(everyone, "1–100 of 3,000 voters");
    app.screenshot("voter-list").await;

    // What the store says should match, read from the database the app made.
    let passphrase = Passphrase::new(PASSPHRASE).expect("passphrase");
    let expected = Store::open(&db, &passphrase)
        .expect("the app's database opens with the chosen passphrase")
        .search_voters(&VoterQuery::first_page("renee", 100))
        .expect("search");
    assert!(
        expected.total > 0 && expected.total < 100,
        "{}",
        expected.total
    );

    type_into(&app, "#voter-search", "renee").await;
    let narrowed = app
        .wait_for_count(".voter-row", |count| count == expected.rows.len())
        .await;
    assert_eq!(narrowed, expected.rows.len());
    let count = app
        .wait_for_text("#result-count", |text| text.contains("matching"))
        .await;
    assert_eq!(
        count,
        format!("1–{0} of {0} matching voters", expected.total)
    );
    let names = app
        .client
        .find_all(Locator::Css(".voter-row .name"))
        .await
        .expect("names");
    for name in names {
        let text = visible_text(&name).await;
        assert!(
            text.contains("RENÉE"),
            "accent-folded search found {text:?}"
        );
    }
    app.screenshot("search-renee").await;
    app.close().await;
}

/// A later start: a wrong passphrase is refused with a clear message and
/// opens nothing; the right one opens the office.
#[tokio::test]
async fn a_later_start_asks_for_the_passphrase_and_refuses_a_wrong_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("office.db");
    {
        let passphrase = Passphrase::new(PASSPHRASE).expect("passphrase");
        let mut store = Store::open(&db, &passphrase).expect("create office");
        store
            .generate_demo(&DemoConfig {
                voters: 800,
                ..DemoConfig::default()
            })
            .expect("demo");
    }
    let mut app = Desktop::launch("unlock-existing", &["--db", path_arg(&db)]).await;
    app.wait_for_text(".unlock h1", |text| text.contains("Unlock"))
        .await;
    assert!(
        app.client
            .find(Locator::Css("#passphrase-confirm"))
            .await
            .is_err(),
        "an existing office does not ask for a new passphrase"
    );
    type_into(&app, "#passphrase", "dinner before doors").await;
    click(&app, "#unlock").await;
    let refusal = app
        .wait_for_text("#unlock-error", |text| !text.is_empty())
        .await;
    assert!(refusal.contains("wrong passphrase"), "{refusal}");
    app.screenshot("wrong-passphrase").await;

    type_into(&app, "#passphrase", PASSPHRASE).await;
    click(&app, "#unlock").await;
    let everyone = app
        .wait_for_text("#result-count", |text| text.contains(" of "))
        .await;
    assert_eq!(everyone, "1–100 of 800 voters");
    app.screenshot("unlocked").await;
    app.close().await;
}
