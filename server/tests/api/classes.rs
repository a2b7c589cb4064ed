//! Classes over HTTP: a teacher creates one, learners join and answer, the
//! dashboard counts them; isolation, bad input, cross-site posts, transfer
//! codes and the guess limit.

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, ORIGIN};
use reqwest::Client;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::quiz::{answer_ok, count_rows, new_browser, post_form, NUMERIC, SINGLE};

const CREATE: &str = "/api/classes/create";
const DASHBOARD: &str = "/api/classes/dashboard";
const JOIN: &str = "/api/classes/join";
const MINE: &str = "/api/classes/mine";
const LEAVE: &str = "/api/classes/leave";
const DELETE: &str = "/api/classes/delete";
const NEW_CODE: &str = "/api/transfer/new";
const REDEEM: &str = "/api/transfer/redeem";

/// Creates a class; answers its teacher secret and join code.
pub(crate) async fn create(app: &TestApp, name: &str) -> (String, String) {
    create_as(app, &new_browser(), name).await
}

/// Creates a class from this browser (which then lists it on /teach).
pub(crate) async fn create_as(app: &TestApp, teacher: &Client, name: &str) -> (String, String) {
    let resp = post_form(app, teacher, CREATE, &[("name", name)]).await;
    assert_eq!(resp.status(), 200);
    let path: String = resp.json().await.unwrap();
    let secret = path
        .strip_prefix("/teach/")
        .and_then(|p| p.strip_suffix("?created=1"))
        .expect("the dashboard's path")
        .to_string();
    let d = dashboard(app, &secret).await;
    (secret, d["join_code"].as_str().unwrap().to_string())
}

/// The dashboard as JSON; `null` (with a 404) when the secret opens no class.
pub(crate) async fn dashboard(app: &TestApp, secret: &str) -> Value {
    let resp = post_form(app, &new_browser(), DASHBOARD, &[("secret", secret)]).await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, if body.is_null() { 404 } else { 200 });
    body
}

pub(crate) async fn join(
    app: &TestApp,
    browser: &Client,
    code: &str,
    name: &str,
) -> reqwest::Response {
    post_form(
        app,
        browser,
        JOIN,
        &[("code", code), ("display_name", name)],
    )
    .await
}

fn item<'a>(d: &'a Value, question_id: &str) -> &'a Value {
    d["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["question_id"] == question_id)
        .expect("question listed")
}

#[tokio::test]
async fn a_class_shows_who_answered_what_and_the_most_common_mistakes() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Period 3").await;
    assert_eq!(code.len(), 9, "shown as ABCD-EFGH: {code}");
    let stored: Vec<u8> = lab_storage::on_db!(&app.db().await, p => sqlx::query_scalar("SELECT teacher_hash FROM classes")
        .fetch_one(p)
        .await)
        .unwrap();
    assert_ne!(stored, secret.as_bytes(), "only the hash is stored");

    let (ada, bob) = (new_browser(), new_browser());
    // Codes are typed loosely: lower case, without the dash.
    let typed = code.replace('-', "").to_lowercase();
    assert_eq!(join(&app, &ada, &typed, "Ada").await.status(), 200);
    assert_eq!(join(&app, &bob, &code, "Bob").await.status(), 200);
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(&app, &bob, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(&app, &bob, NUMERIC, &[("value", "15")]).await;
    // Someone outside the class answers too, and is counted nowhere.
    answer_ok(&app, &new_browser(), SINGLE, &[("choices[]", "c")]).await;

    let d = dashboard(&app, &secret).await;
    assert_eq!(d["class_name"], "Period 3");
    let names: Vec<&str> = d["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bob"]);
    let first_lesson = |i: usize| d["learners"][i]["lessons"][0].clone();
    assert_eq!(first_lesson(0)["answered"], 1);
    assert_eq!(first_lesson(0)["first_try_correct"], 0);
    assert_eq!(first_lesson(1)["answered"], 2);
    assert_eq!(first_lesson(1)["first_try_correct"], 1);

    let single = item(&d, SINGLE);
    assert_eq!(single["answered"], 2);
    assert_eq!(single["first_try_correct"], 1);
    assert_eq!(single["median_attempts_to_correct"], 2.0, "3 and 1");
    let mistake = &single["common_mistake"];
    assert_eq!(mistake["kind"]["Option"]["id"], "a", "{mistake}");
    assert_eq!(mistake["times"], 2, "class members only");
    assert!(mistake["rationale_html"]
        .as_str()
        .unwrap()
        .contains("lanes"));
    let numeric = item(&d, NUMERIC);
    assert_eq!(numeric["common_mistake"]["kind"]["Trap"]["value"], 15.0);
    assert!(numeric["median_attempts_to_correct"].is_null());

    let page = app.get(&format!("/teach/{secret}?created=1")).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    for text in [
        "Period 3",
        code.as_str(),
        "Bookmark this page",
        "Ada",
        "noindex",
    ] {
        assert!(html.contains(text), "dashboard page lacks {text}");
    }
    // The join link as a QR code for the projector: an inline SVG beside the links.
    assert!(
        html.contains(r#"aria-label="QR code of the join link""#),
        "{html}"
    );
    let qr = html
        .split(r#"class="join-qr-code""#)
        .nth(1)
        .expect("the join QR code");
    assert!(
        qr[..qr.len().min(300)].contains("<svg"),
        "drawn inline: {qr}"
    );
    let csv = app.get(&format!("/teach/{secret}/items.csv")).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("\"lesson\",\"question_id\""), "{csv}");
    assert!(
        csv.contains(SINGLE) && csv.contains("\"option a: "),
        "{csv}"
    );
    let learners = app
        .get(&format!("/teach/{secret}/learners.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(learners.contains("\"Ada\"") && learners.contains("\"Bob\""));
}

#[tokio::test]
async fn learners_and_teachers_see_only_their_own() {
    let app = spawn_app().await;
    let (x_secret, x_code) = create(&app, "X").await;
    let (y_secret, y_code) = create(&app, "Y").await;
    let (ada, bob) = (new_browser(), new_browser());
    assert_eq!(join(&app, &ada, &x_code, "Ada").await.status(), 200);
    assert_eq!(join(&app, &bob, &y_code, "Bob").await.status(), 200);

    let mine: Value = post_form(&app, &ada, MINE, &[]).await.json().await.unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["class_name"], "X");
    assert!(!mine.to_string().contains("Bob"));
    let nobody: Value = post_form(&app, &new_browser(), MINE, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(nobody, serde_json::json!([]));

    let x = dashboard(&app, &x_secret).await.to_string();
    let y = dashboard(&app, &y_secret).await.to_string();
    assert!(x.contains("Ada") && !x.contains("Bob"));
    assert!(y.contains("Bob") && !y.contains("Ada"));
    let csv = app
        .get(&format!("/teach/{x_secret}/learners.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!csv.contains("Bob"));

    let unknown = "0".repeat(64);
    assert!(dashboard(&app, &unknown).await.is_null());
    assert_eq!(app.get(&format!("/teach/{unknown}")).await.status(), 404);
    assert_eq!(
        app.get(&format!("/teach/{unknown}/learners.csv"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/teach/{x_secret}/secrets.csv"))
            .await
            .status(),
        404
    );

    // Bob leaving X (which he is not in) changes nothing; leaving Y works.
    let x_id: i64 = lab_storage::on_db!(&app.db().await, p => sqlx::query_scalar("SELECT id FROM classes WHERE name = 'X'")
        .fetch_one(p)
        .await)
        .unwrap();
    let resp = post_form(&app, &bob, LEAVE, &[("class_id", &x_id.to_string())]).await;
    assert_eq!(resp.json::<Value>().await.unwrap(), false);
    assert_eq!(count_rows(&app, "class_members").await, 2);
}

#[tokio::test]
async fn bad_input_gets_a_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Ok").await;
    let browser = new_browser();
    let long_name = "n".repeat(81);
    let long_display = "d".repeat(41);
    let cases: [(&str, Vec<(&str, &str)>); 10] = [
        (CREATE, vec![]),
        (CREATE, vec![("name", "   ")]),
        (CREATE, vec![("name", &long_name)]),
        (CREATE, vec![("name", "tab\tname")]),
        (JOIN, vec![("code", &code)]),
        (JOIN, vec![("code", "ABC"), ("display_name", "Ada")]),
        (JOIN, vec![("code", &code), ("display_name", &long_display)]),
        (LEAVE, vec![("class_id", "x")]),
        (DELETE, vec![("secret", &secret)]),
        (REDEEM, vec![("code", "not a code")]),
    ];
    for (path, form) in cases {
        let resp = post_form(&app, &browser, path, &form).await;
        assert_eq!(resp.status(), 400, "{path} {form:?}");
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["Invalid"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    assert_eq!(count_rows(&app, "classes").await, 1);
    assert_eq!(count_rows(&app, "class_members").await, 0);
    assert_eq!(
        count_rows(&app, "learners").await,
        1,
        "the teacher's learner only: none for a refused request"
    );

    // A taken display name gets a suffix, not an error that tells who is in.
    assert_eq!(join(&app, &new_browser(), &code, "Ada").await.status(), 200);
    let second = join(&app, &browser, &code, "Ada").await;
    assert_eq!(second.status(), 200);
    let mine: Value = second.json().await.unwrap();
    assert_eq!(mine["display_name"], "Ada (2)");
    assert_eq!(count_rows(&app, "class_members").await, 2);
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Target").await;
    let browser = new_browser();
    let forms: [(&str, Vec<(&str, &str)>); 3] = [
        (CREATE, vec![("name", "Evil")]),
        (JOIN, vec![("code", &code), ("display_name", "Eve")]),
        (DELETE, vec![("secret", &secret), ("confirm", "yes")]),
    ];
    for (path, form) in forms {
        let resp = browser
            .post(app.url(path))
            .header(ACCEPT, "application/json")
            .header(ORIGIN, "http://evil.example")
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{path}");
    }
    assert_eq!(count_rows(&app, "classes").await, 1);
    assert_eq!(count_rows(&app, "class_members").await, 0);
}

#[tokio::test]
async fn without_javascript_forms_redirect_to_their_pages() {
    let app = spawn_app().await;
    let teacher = new_browser();
    let resp = teacher
        .post(app.url(CREATE))
        .header(ACCEPT, "text/html")
        .form(&[("name", "Plain")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/teach/") && location.ends_with("?created=1"),
        "{location}"
    );
    let page = app.get(&location).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Plain"));
    for path in ["/teach", "/join", "/transfer"] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 200, "{path}");
    }
    assert_eq!(
        count_rows(&app, "learners").await,
        1,
        "the teacher's learner (the class is on their list); a GET writes nothing"
    );
}

#[tokio::test]
async fn deleting_a_class_removes_its_memberships_only() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Gone").await;
    let ada = new_browser();
    assert_eq!(join(&app, &ada, &code, "Ada").await.status(), 200);
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "b")]).await;
    let wrong = post_form(
        &app,
        &ada,
        DELETE,
        &[("secret", &"1".repeat(64)), ("confirm", "yes")],
    )
    .await;
    assert_eq!(wrong.status(), 400);
    let resp = post_form(
        &app,
        &ada,
        DELETE,
        &[("secret", &secret), ("confirm", "yes")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), 1);
    assert_eq!(count_rows(&app, "classes").await, 0);
    assert_eq!(count_rows(&app, "class_members").await, 0);
    assert_eq!(count_rows(&app, "class_teachers").await, 0);
    assert_eq!(count_rows(&app, "learners").await, 2, "Ada and the teacher");
    assert_eq!(count_rows(&app, "attempts").await, 1);
    assert!(dashboard(&app, &secret).await.is_null());
}

async fn progress_answered(app: &TestApp, browser: &Client) -> u64 {
    let p: Value = post_form(app, browser, "/api/progress", &[])
        .await
        .json()
        .await
        .unwrap();
    p["overall"]["answered"].as_u64().unwrap()
}

#[tokio::test]
async fn a_transfer_code_moves_progress_once_and_expires() {
    let app = spawn_app().await;
    let (_, code) = create(&app, "Moving").await;
    let laptop = new_browser();
    assert_eq!(
        post_form(&app, &laptop, NEW_CODE, &[]).await.status(),
        400,
        "nothing to move yet"
    );
    assert_eq!(join(&app, &laptop, &code, "Ada").await.status(), 200);
    answer_ok(&app, &laptop, SINGLE, &[("choices[]", "b")]).await;
    let resp = post_form(&app, &laptop, NEW_CODE, &[]).await;
    assert_eq!(resp.status(), 200);
    let transfer: String = resp.json().await.unwrap();
    let stored: Vec<u8> = lab_storage::on_db!(&app.db().await, p => sqlx::query_scalar("SELECT code_hash FROM transfer_codes")
        .fetch_one(p)
        .await)
        .unwrap();
    assert_eq!(stored.len(), 32, "a hash, not the code");

    let lab_pc = new_browser();
    answer_ok(&app, &lab_pc, NUMERIC, &[("value", "1")]).await;
    assert_eq!(
        post_form(&app, &lab_pc, REDEEM, &[("code", &transfer)])
            .await
            .status(),
        200
    );
    assert_eq!(progress_answered(&app, &lab_pc).await, 1);
    let mine: Value = post_form(&app, &lab_pc, MINE, &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["display_name"], "Ada", "the class comes along");
    // Both browsers are the same learner now; the laptop keeps working.
    answer_ok(&app, &lab_pc, NUMERIC, &[("value", "16")]).await;
    assert_eq!(progress_answered(&app, &laptop).await, 2);

    let third = new_browser();
    let reused = post_form(&app, &third, REDEEM, &[("code", &transfer)]).await;
    assert_eq!(reused.status(), 400, "single use");
    assert_eq!(progress_answered(&app, &third).await, 0);

    let resp = post_form(&app, &laptop, NEW_CODE, &[]).await;
    let late: String = resp.json().await.unwrap();
    lab_storage::on_db!(&app.db().await, p => sqlx::query("UPDATE transfer_codes SET expires_at = expires_at - 600")
        .execute(p)
        .await.map(|_| ()))
        .unwrap();
    assert_eq!(
        post_form(&app, &third, REDEEM, &[("code", &late)])
            .await
            .status(),
        400,
        "expired"
    );
    assert_eq!(count_rows(&app, "learner_devices").await, 1);
}

#[tokio::test]
async fn wrong_codes_are_limited_per_address() {
    let app = spawn_app().await;
    let (_, code) = create(&app, "Guarded").await;
    let guesser = new_browser();
    let mut refused_at = None;
    for i in 0..40 {
        let resp = join(&app, &guesser, "ZZZZZZZZ", "Eve").await;
        if resp.status() == 429 {
            assert!(resp.headers().contains_key("retry-after"));
            refused_at = Some(i);
            break;
        }
        assert_eq!(resp.status(), 400);
    }
    // Creating the class drew on another budget: 30 wrong codes, then 429.
    assert_eq!(refused_at, Some(30));
    assert_eq!(
        join(&app, &guesser, &code, "Eve").await.status(),
        429,
        "even the right code"
    );
    let redeem = post_form(&app, &guesser, REDEEM, &[("code", "ZZZZZZZZ")]).await;
    assert_eq!(redeem.status(), 429);
    assert_eq!(
        app.get(&format!("/teach/{}/items.csv", "0".repeat(64)))
            .await
            .status(),
        429
    );
    assert_eq!(count_rows(&app, "class_members").await, 0);
}

/// A teacher behind the same school network as a guesser: their right link
/// is looked up first and opens, page, JSON and CSV alike.
#[tokio::test]
async fn a_valid_teacher_link_opens_after_30_wrong_codes_from_its_address() {
    let app = spawn_app().await;
    let (secret, _) = create(&app, "Period 5").await;
    let guesser = new_browser();
    for _ in 0..30 {
        assert_eq!(join(&app, &guesser, "ZZZZZZZZ", "Eve").await.status(), 400);
    }
    assert_eq!(join(&app, &guesser, "ZZZZZZZZ", "Eve").await.status(), 429);
    let wrong = post_form(
        &app,
        &new_browser(),
        DASHBOARD,
        &[("secret", &"0".repeat(64))],
    )
    .await;
    assert_eq!(wrong.status(), 429, "a wrong link still counts as a guess");

    assert_eq!(dashboard(&app, &secret).await["class_name"], "Period 5");
    let page = app.get(&format!("/teach/{secret}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Period 5"));
    let csv = app.get(&format!("/teach/{secret}/learners.csv")).await;
    assert_eq!(csv.status(), 200);
}

#[tokio::test]
async fn a_database_from_before_classes_upgrades_in_place() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;

    // The database as the release before classes left it, with a learner's answer.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let old = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    let mut migrator = Migrator::new(crate::helpers::workspace_path("migrations").as_path())
        .await
        .unwrap();
    let before: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version < 20261126000200)
        .cloned()
        .collect();
    assert!(before.len() < migrator.migrations.len());
    migrator.migrations = before.into();
    migrator.run(&old).await.unwrap();
    let token = "ab".repeat(16);
    let hash = <sha2::Sha256 as sha2::Digest>::digest(hex_bytes(&token));
    sqlx::query("INSERT INTO learners (token_hash) VALUES (?)")
        .bind(hash.to_vec())
        .execute(&old)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO attempts (learner_id, lesson_slug, question_id, answer, correct, first_try)
         VALUES (1, 'batched-inference-complexity', ?, '{\"choices\":[\"b\"]}', 1, 1)",
    )
    .bind(SINGLE)
    .execute(&old)
    .await
    .unwrap();
    old.close().await;

    // An upgrade of a SQLite file: on SQLite in either pass.
    let mut app = crate::helpers::spawn_exactly(crate::helpers::test_settings(db)).await;
    app.keep_dir(dir);
    let (secret, code) = create(&app, "After the upgrade").await;
    let resp = app
        .client
        .post(app.url(JOIN))
        .header(ACCEPT, "application/json")
        .header(reqwest::header::COOKIE, format!("lab_learner={token}"))
        .form(&[("code", code.as_str()), ("display_name", "Old hand")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let d = dashboard(&app, &secret).await;
    assert_eq!(d["learners"][0]["display_name"], "Old hand");
    assert_eq!(
        item(&d, SINGLE)["first_try_correct"],
        1,
        "the old answer counts"
    );
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn a_failed_dashboard_form_without_javascript_goes_back_to_the_dashboard() {
    // The dashboard is served `no-referrer` (its URL is the secret), so a
    // plain form post from it carries no Referer to be sent back to.
    let app = spawn_app().await;
    let (secret, _) = create(&app, "Referrer-less").await;
    for (path, form) in [
        (
            "/api/classes/lock",
            vec![("secret", secret.as_str()), ("lock", "maybe")],
        ),
        (
            "/api/classes/remove",
            vec![("secret", secret.as_str()), ("name", "")],
        ),
        ("/api/classes/delete", vec![("secret", secret.as_str())]),
    ] {
        let resp = new_browser()
            .post(app.url(path))
            .header(ACCEPT, "text/html")
            .form(&form)
            .send()
            .await
            .unwrap();
        let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!("/teach/{secret}?")),
            "{path}: back to {location}"
        );
        // The page it goes back to shows the (signed) error.
        assert_eq!(app.get(&location).await.status(), 200, "{location}");
    }
}

const TAUGHT: &str = "/api/classes/taught";
/// A question with variants (its prompt has `{{o}}`, `{{c}}` and `{{b}}`).
const VARIANTS: &str = "batch-throughput-amortised";

async fn taught(app: &TestApp, browser: &Client) -> Vec<Value> {
    let resp = post_form(app, browser, TAUGHT, &[]).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_teacher_finds_their_classes_again_from_the_same_browser() {
    let app = spawn_app().await;
    let teacher = new_browser();
    let (first, first_code) = create_as(&app, &teacher, "Period 3").await;
    let (second, _) = create_as(&app, &teacher, "Period 4").await;
    let ada = new_browser();
    assert_eq!(join(&app, &ada, &first_code, "Ada").await.status(), 200);

    let list = taught(&app, &teacher).await;
    let names: Vec<&str> = list
        .iter()
        .map(|c| c["class_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Period 4", "Period 3"], "the newest first");
    assert_eq!(list[0]["dashboard_path"], format!("/teach/{second}"));
    assert_eq!(list[1]["dashboard_path"], format!("/teach/{first}"));
    assert_eq!(list[1]["members"], 1);
    assert_eq!(list[1]["join_code"], first_code);

    // Only the browser that made them: not a learner, not a fresh browser.
    assert!(taught(&app, &ada).await.is_empty());
    assert!(taught(&app, &new_browser()).await.is_empty());

    // /teach lists them in its HTML (without JavaScript too).
    let page = teacher.get(app.url("/teach")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    // The section's id: the page's help text names "Your classes" too.
    assert!(html.contains("id=\"your-classes\""), "{html}");
    assert!(html.contains(&format!("href=\"/teach/{first}\"")));
    assert!(!app
        .get("/teach")
        .await
        .text()
        .await
        .unwrap()
        .contains("id=\"your-classes\""));

    // The database keeps no secret in clear.
    let pool = app.db().await;
    let sealed: Vec<Vec<u8>> = lab_storage::on_db!(&pool, p => sqlx::query_scalar("SELECT sealed_secret FROM class_teachers")
        .fetch_all(p)
        .await)
        .unwrap();
    assert_eq!(sealed.len(), 2);
    for s in &sealed {
        assert_ne!(s, &hex_bytes(&first));
        assert_ne!(s, &hex_bytes(&second));
        assert!(!String::from_utf8_lossy(s).contains(&first[..8]));
    }

    // A deleted class leaves the list.
    let resp = post_form(
        &app,
        &teacher,
        DELETE,
        &[("secret", &second), ("confirm", "yes")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let list = taught(&app, &teacher).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["class_name"], "Period 3");
}

#[tokio::test]
async fn the_dashboard_sorts_questions_fills_in_numbers_and_gives_full_links() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Period 3").await;
    let (ada, bob) = (new_browser(), new_browser());
    assert_eq!(join(&app, &ada, &code, "Ada").await.status(), 200);
    assert_eq!(join(&app, &bob, &code, "Bob").await.status(), 200);
    // SINGLE: both wrong with option a first (0 % at the first try);
    // NUMERIC: both right at once (100 %); the variant question: Ada wrong.
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &bob, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &ada, NUMERIC, &[("value", "16")]).await;
    answer_ok(&app, &bob, NUMERIC, &[("value", "16")]).await;
    answer_ok(&app, &ada, VARIANTS, &[("value", "1"), ("variant", "0")]).await;

    let d = dashboard(&app, &secret).await;
    let items = d["items"].as_array().unwrap();
    let order: Vec<&str> = items
        .iter()
        .map(|i| i["question_id"].as_str().unwrap())
        .collect();
    let (single, numeric, variants) = (
        order.iter().position(|q| *q == SINGLE).unwrap(),
        order.iter().position(|q| *q == NUMERIC).unwrap(),
        order.iter().position(|q| *q == VARIANTS).unwrap(),
    );
    assert!(single < 2 && variants < 2 && numeric == 2, "{order:?}");
    assert!(
        items[3..].iter().all(|i| i["answered"] == 0),
        "the unanswered come last: {order:?}"
    );
    for i in items {
        let prompt = i["prompt"].as_str().unwrap();
        assert!(!prompt.contains("{{"), "{prompt}");
    }
    let v = &items[variants];
    assert!(
        v["example_numbers"]
            .as_str()
            .is_some_and(|n| n.contains("b = ")),
        "{v}"
    );
    let mistake = &items[single]["common_mistake"];
    assert_eq!(
        (mistake["times"].as_u64(), mistake["learners"].as_u64()),
        (Some(2), Some(2))
    );

    // Full links, as the browser reaches the server.
    let origin = app.url("");
    assert_eq!(d["origin"], origin);
    let html = app
        .get(&format!("/teach/{secret}"))
        .await
        .text()
        .await
        .unwrap();
    for text in [
        format!("value=\"{origin}/teach/{secret}\""),
        format!("value=\"{origin}/join?code={code}\""),
        "Top misconceptions".to_string(),
        "2 of 2 learners (100%)".to_string(),
        "example numbers: ".to_string(),
    ] {
        assert!(html.contains(&text), "the dashboard lacks {text}");
    }
    assert!(!html.contains("{{"), "no raw placeholder on the page");
    // The join link fills the code in.
    let join_page = app.get(&format!("/join?code={code}")).await;
    let join_html = join_page.text().await.unwrap();
    assert!(
        join_html.contains(&format!("value=\"{code}\"")),
        "{join_html}"
    );
}

#[tokio::test]
async fn the_public_origin_makes_the_links() {
    let app = crate::helpers::spawn_changed(|s| {
        s.edge.public_origin = Some("http://lab.school.example".parse().unwrap());
    })
    .await;
    let (secret, _) = create(&app, "Period 3").await;
    let d = dashboard(&app, &secret).await;
    assert_eq!(d["origin"], "http://lab.school.example");
    let html = app
        .get(&format!("/teach/{secret}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(
        "value=\"http://lab.school.example/teach/{secret}\""
    )));
}

#[tokio::test]
async fn every_attempt_downloads_in_long_format() {
    let app = spawn_app().await;
    let (secret, code) = create(&app, "Period 3").await;
    let (ada, bob) = (new_browser(), new_browser());
    assert_eq!(join(&app, &ada, &code, "Ada").await.status(), 200);
    assert_eq!(join(&app, &bob, &code, "Bob").await.status(), 200);
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "a")]).await;
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "c")]).await;
    answer_ok(&app, &ada, SINGLE, &[("choices[]", "b")]).await;
    answer_ok(&app, &bob, NUMERIC, &[("value", "16")]).await;
    // Outside the class: not in the file.
    answer_ok(&app, &new_browser(), SINGLE, &[("choices[]", "b")]).await;

    let resp = app.get(&format!("/teach/{secret}/attempts.csv")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "\"learner\",\"lesson\",\"question\",\"attempt\",\"correct\",\"time\",\"answer\""
    );
    assert_eq!(lines.len(), 5, "one row per attempt of a member: {csv}");
    let fields = |line: &str| -> Vec<String> {
        line.split("\",\"")
            .map(|f| f.trim_matches('"').to_string())
            .collect()
    };
    let rows: Vec<Vec<String>> = lines[1..].iter().map(|l| fields(l)).collect();
    let ada_rows: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .filter(|r| r[0] == "Ada")
        .map(|r| (r[2].as_str(), r[3].as_str(), r[4].as_str(), r[6].as_str()))
        .collect();
    assert_eq!(
        ada_rows,
        [
            (SINGLE, "1", "0", "a"),
            (SINGLE, "2", "0", "c"),
            (SINGLE, "3", "1", "b")
        ]
    );
    let bob_row = rows.iter().find(|r| r[0] == "Bob").unwrap();
    assert_eq!(
        (
            bob_row[2].as_str(),
            bob_row[4].as_str(),
            bob_row[6].as_str()
        ),
        (NUMERIC, "1", "16")
    );
    assert!(
        bob_row[5].ends_with('Z') && bob_row[5].contains('T'),
        "ISO time: {bob_row:?}"
    );
    assert!(!bob_row[1].is_empty(), "the lesson's title");
    // The dashboard links the file.
    let html = app
        .get(&format!("/teach/{secret}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/teach/{secret}/attempts.csv")));
}
