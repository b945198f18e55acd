//! End-to-end: the real app binary in a real window (Xvfb), driven over
//! WebDriver through tauri-driver and WebKitWebDriver.

use fantoccini::Locator;
use groundgame_domain::ipc::VoterQuery;
use groundgame_store::Store;
use groundgame_tests::desktop::{path_arg, visible_text, Desktop};

/// The app opens on a fresh demo office; the voter list shows voters; typing
/// in search narrows the list to exactly what the store says matches.
#[tokio::test]
async fn opens_on_the_demo_office_and_search_narrows_the_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("office.db");
    let mut app = Desktop::launch("demo-office-search", &["--db", path_arg(&db)]).await;

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
    let expected = Store::open(&db)
        .expect("the app's database opens")
        .search_voters(&VoterQuery::first_page("renee", 100))
        .expect("search");
    assert!(
        expected.total > 0 && expected.total < 100,
        "{}",
        expected.total
    );

    let search = app
        .client
        .find(Locator::Css("#voter-search"))
        .await
        .expect("search box");
    search.send_keys("renee").await.expect("type");
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
