//! Evidence files: attached through GraphQL multipart requests, listed on the case, downloaded through
//! `/files/{id}` within exactly the case's scope and the confidentiality rule, withdrawn (never deleted).

use petition_api::db::embedded::EmbeddedPostgres;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{s3_server, spawn_app, spawn_app_with, TestApp};
use crate::lifecycle::{assign, submit};

const ATTACH: &str = "mutation($input: AttachFileInput!, $file: Upload!) { attachFile(input: $input, file: $file) {
    id kind fileName contentType sizeBytes sha256 uploaderRole downloadPath } }";
const FILES: &str = "query($id: ID!) { case(id: $id) { attachments { id kind fileName withdrawnAt withdrawalReason }
    events { kind detail { ... on FileAttachedDetail { attachmentId fileName sha256 } } } } }";

/// A phone photo's first bytes, and a scanned PDF's: what the server recognises files by.
fn photo(n: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    bytes.extend(std::iter::repeat_n(n, 4096));
    bytes
}

fn scan() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    bytes.extend(std::iter::repeat_n(b' ', 2048));
    bytes
}

/// Sends `attachFile` as a GraphQL multipart request, as an app's upload client does; the status and the body.
async fn attach(app: &TestApp, token: &str, case: &str, kind: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let operations = json!({"query": ATTACH, "variables": {"input": {"caseId": case, "kind": kind}, "file": null}});
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.file"]}).to_string())
        .part("0", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap());
    let res = app.client.post(format!("{}/graphql", app.address)).bearer_auth(token);
    // As Apollo's and urql's upload clients are set up: a header that makes a browser ask the server first.
    let res = res.header("apollo-require-preflight", "true").multipart(form).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// GETs a file; the status, the headers that matter, and the bytes.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, String, Vec<u8>) {
    download_from(app, &app.address, token, path).await
}

/// As [`download`], from the server at `address`.
async fn download_from(app: &TestApp, address: &str, token: &str, path: &str) -> (u16, String, String, Vec<u8>) {
    let res = app.client.get(format!("{address}{path}")).bearer_auth(token).send().await.unwrap();
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (status, disposition, nosniff) =
        (res.status().as_u16(), header("content-disposition"), header("x-content-type-options"));
    (status, disposition, nosniff, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_petitioners_photos_and_the_units_written_answer_stay_within_the_cases_scope() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let elsewhere = app.token("demo.naxi.clerk").await;
    let (case, _, _) = submit(&app, &petitioner, "小区电梯停运三月未修").await;

    // The petitioner submits with two photos.
    let mut photos = Vec::new();
    for (n, name) in [(1, "电梯 照片1.jpg"), (2, "C:\\手机\\照片2.jpg")] {
        let (status, body) = attach(&app, &petitioner, &case, "EVIDENCE", name, photo(n)).await;
        assert_eq!(status, 200, "{body}");
        let file = body["data"]["attachFile"].clone();
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(file["contentType"], "image/jpeg");
        assert_eq!(file["uploaderRole"], "PETITIONER");
        assert_eq!(file["sha256"], hex::encode(Sha256::digest(photo(n))));
        photos.push(file);
    }
    assert_eq!(photos[1]["fileName"], "照片2.jpg", "the path is dropped");

    // The unit answers with a scanned written answer.
    assign(&app, &clerk, &case, 30).await;
    let (status, body) = attach(&app, &unit, &case, "WRITTEN_ANSWER", "书面答复意见书.pdf", scan()).await;
    assert_eq!(status, 200, "{body}");
    let answer = body["data"]["attachFile"].clone();
    assert_eq!(answer["contentType"], "application/pdf", "{body}");

    // The petitioner downloads it, as a download of the recognised type.
    let (status, disposition, nosniff, bytes) =
        download(&app, &petitioner, answer["downloadPath"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, scan());
    assert!(disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"), "{disposition}");
    assert_eq!(nosniff, "nosniff");

    // A clerk of another county gets 404 for every file, exactly as for an unknown one.
    for file in photos.iter().chain([&answer]) {
        let (status, _, _, _) = download(&app, &elsewhere, file["downloadPath"].as_str().unwrap()).await;
        assert_eq!(status, 404);
    }
    let (status, _, _, _) = download(&app, &elsewhere, "/files/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(status, 404);
    let (status, _) = attach(&app, &elsewhere, &case, "OTHER", "x.jpg", photo(3)).await;
    assert_eq!(status, 200);

    // The case lists the three, and the history records each with its SHA-256.
    let listed = app.ok(FILES, json!({"id": case}), &clerk).await;
    let files = listed["case"]["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 3, "{listed}");
    let recorded: Vec<&Value> =
        listed["case"]["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "FILE_ATTACHED").collect();
    assert_eq!(recorded.len(), 3);
    assert_eq!(recorded[2]["detail"]["sha256"], answer["sha256"]);
}

#[tokio::test]
async fn a_refused_file_leaves_nothing_behind() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = submit(&app, &petitioner, "楼道堆放杂物").await;
    let folder = EmbeddedPostgres::default_root("files").join("cases").join(&case);
    // A page that calls itself a photo, an empty file, one too large, and a case that is not the caller's.
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    for (bytes, field) in [(html, "file"), (Vec::new(), "file")] {
        let (status, body) = attach(&app, &petitioner, &case, "EVIDENCE", "photo.jpg", bytes).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let mut large = photo(4);
    large.resize(20 * 1024 * 1024 + 1, 0);
    let (status, body) = attach(&app, &petitioner, &case, "EVIDENCE", "large.jpg", large.clone()).await;
    assert_eq!(status, 413, "{body}");
    let other = app.token("demo.naxi.clerk").await;
    let (_, body) = attach(&app, &other, &case, "EVIDENCE", "x.jpg", photo(5)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
    let listed = app.ok(FILES, json!({"id": case}), &petitioner).await;
    assert_eq!(listed["case"]["attachments"], json!([]));
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().next().is_none(), "nothing stored");

    // The limit is the file's: one of exactly 20 MiB passes, whatever the operation beside it weighs.
    large.truncate(20 * 1024 * 1024);
    let (status, body) = attach(&app, &petitioner, &case, "EVIDENCE", "exactly-20-MiB.jpg", large).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["attachFile"]["sizeBytes"], 20 * 1024 * 1024, "{body}");

    // One file per request: two would double what one request may weigh.
    let operations =
        json!({"query": ATTACH, "variables": {"input": {"caseId": case, "kind": "EVIDENCE"}, "file": null}});
    let part = |n| reqwest::multipart::Part::bytes(photo(n)).file_name("x.jpg").mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.file"], "1": ["variables.file"]}).to_string())
        .part("0", part(8))
        .part("1", part(9));
    let res = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&petitioner).multipart(form);
    let res = res.header("x-requested-with", "XMLHttpRequest").send().await.unwrap();
    assert_eq!(res.status(), 400);
}

/// A form on another site can post `multipart/form-data` (or `text/plain`, or a urlencoded form) from a visitor's
/// browser without asking the server first: none of them runs an operation, whatever it is. A request with a header
/// a page can only send after asking (a CORS preflight) runs.
#[tokio::test]
async fn cross_site_forms_run_nothing() {
    let app = spawn_app().await;
    let register = |username: &str| {
        json!({"query": "mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken } }",
            "variables": {"i": {"username": username, "password": "a-long-enough-password", "displayName": "某"}}})
    };
    let url = format!("{}/graphql", app.address);
    let accounts = |app: &TestApp| crate::helpers::number(&mut app.conn(), "SELECT count(*) AS n FROM accounts", &[]);
    let before = accounts(&app);
    // Exactly what a browser sends for a form posted from elsewhere: its origin, and no header of the page's own.
    let form =
        reqwest::multipart::Form::new().text("operations", register("from.elsewhere").to_string()).text("map", "{}");
    let res = app.client.post(&url).header("origin", "https://elsewhere.example").multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("Apollo-Require-Preflight"), "{body}");
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let res =
            app.client.post(&url).header("origin", "https://elsewhere.example").header("content-type", content_type);
        let res = res.body(register("from.elsewhere").to_string()).send().await.unwrap();
        assert_eq!(res.status(), 415, "{content_type}");
    }
    assert_eq!(accounts(&app), before, "nothing was registered");
    // The same request with a preflight-forcing header (and so from a page the server allowed) runs.
    for header in ["apollo-require-preflight", "x-apollo-operation-name", "x-requested-with"] {
        let username = format!("with.{}", header.replace('-', "."));
        let form =
            reqwest::multipart::Form::new().text("operations", register(&username).to_string()).text("map", "{}");
        let res = app.client.post(&url).header(header, "true").multipart(form).send().await.unwrap();
        let body: Value = res.json().await.unwrap();
        assert!(body["errors"].is_null(), "{header}: {body}");
    }
    assert_eq!(accounts(&app), before + 3);
}

/// The handling unit never sees an identity document, nor what the petitioner of an accusation brought; a wrong
/// file is withdrawn with a reason and stays, marked.
#[tokio::test]
async fn identity_documents_stay_from_the_unit_and_wrong_files_are_withdrawn_not_deleted() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let (case, _, _) = submit(&app, &petitioner, "物业费收取不合理").await;
    let (_, id_doc) = attach(&app, &petitioner, &case, "IDENTITY_DOCUMENT", "张三身份证.jpg", photo(6)).await;
    let (_, evidence) = attach(&app, &petitioner, &case, "EVIDENCE", "收费单.jpg", photo(7)).await;
    assign(&app, &clerk, &case, 30).await;

    let seen = app.ok(FILES, json!({"id": case}), &unit).await;
    let kinds: Vec<&Value> = seen["case"]["attachments"].as_array().unwrap().iter().map(|a| &a["kind"]).collect();
    assert_eq!(kinds, [&json!("EVIDENCE")], "{seen}");
    assert!(!seen.to_string().contains("身份证"), "not even the name through the history: {seen}");
    let id_path = id_doc["data"]["attachFile"]["downloadPath"].as_str().unwrap().to_owned();
    assert_eq!(download(&app, &unit, &id_path).await.0, 404);
    assert_eq!(download(&app, &clerk, &id_path).await.0, 200, "the bureau sees it");

    // The petitioner withdraws the wrong photo; it stays, marked, and the history says why.
    let wrong = evidence["data"]["attachFile"]["id"].as_str().unwrap().to_owned();
    let withdraw =
        "mutation($i: WithdrawAttachmentInput!) { withdrawAttachment(input: $i) { withdrawnAt withdrawalReason } }";
    let done = app.ok(withdraw, json!({"i": {"attachmentId": wrong, "reason": "传错了照片"}}), &petitioner).await;
    assert_eq!(done["withdrawAttachment"]["withdrawalReason"], "传错了照片");
    let again = app.graphql(withdraw, json!({"i": {"attachmentId": wrong, "reason": "再撤"}}), Some(&petitioner)).await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "INVALID_TRANSITION", "{again}");
    let listed = app.ok(FILES, json!({"id": case}), &petitioner).await;
    assert_eq!(listed["case"]["attachments"].as_array().unwrap().len(), 2);
    assert!(listed["case"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "FILE_WITHDRAWN"));
}

/// With an S3-compatible bucket (a real server speaking the S3 protocol, started by the tests), every server
/// instance reads the files any of them stored.
#[tokio::test]
async fn files_in_an_s3_bucket_are_shared_by_every_server_instance() {
    let s3 = tokio::task::spawn_blocking(s3_server).await.unwrap();
    let bucket = format!("petition-{}", uuid::Uuid::new_v4().simple());
    let client = reqwest::Client::new();
    let made = client.put(format!("{s3}/{bucket}")).send().await.unwrap();
    assert!(made.status().is_success(), "create the bucket: {}", made.status());
    let env = [
        ("FILES_S3_BUCKET", bucket.as_str()),
        ("FILES_S3_ENDPOINT", s3),
        ("FILES_S3_ACCESS_KEY_ID", "test-key"),
        ("FILES_S3_SECRET_ACCESS_KEY", "test-secret"),
    ];
    let app = spawn_app_with(&env).await;
    let other = app.another_server_with(&env).await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = submit(&app, &petitioner, "路灯损坏").await;
    let (status, body) = attach(&app, &petitioner, &case, "EVIDENCE", "路灯.jpg", photo(9)).await;
    assert_eq!(status, 200, "{body}");
    let file = &body["data"]["attachFile"];
    assert!(body["errors"].is_null(), "{body}");
    let (status, _, _, bytes) = download_from(&app, &other, &petitioner, file["downloadPath"].as_str().unwrap()).await;
    assert_eq!((status, bytes), (200, photo(9)));
    // The bytes are in the bucket, under the attachment's key.
    let listing = client.get(format!("{s3}/{bucket}?list-type=2")).send().await.unwrap().text().await.unwrap();
    let key = format!("cases/{case}/{}", file["id"].as_str().unwrap());
    assert!(listing.contains(&key), "{listing}");
}
