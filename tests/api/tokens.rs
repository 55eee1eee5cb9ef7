//! Every kind of bad access token is `UNAUTHENTICATED` and yields no data.

use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use crate::helpers::{error_code, spawn_app};

const ME: &str = "{ me { username } }";
const DEV_SECRET: &[u8] = b"development-only-secret-do-not-use-in-production";

fn claims(app_account: &str, iss: &str, aud: &str, exp_offset: i64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": app_account, "roles": ["CLERK"], "ver": 1, "iss": iss, "aud": aud,
        "iat": now, "nbf": now, "exp": now + exp_offset, "jti": uuid::Uuid::new_v4(),
    })
}

fn sign(claims: &serde_json::Value, alg: jsonwebtoken::Algorithm, secret: &[u8]) -> String {
    encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let good = app.token("demo.clerk").await;
    let payload = good.split('.').nth(1).unwrap();
    let decoded: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let sub = decoded["sub"].as_str().unwrap();
    let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let hs = jsonwebtoken::Algorithm::HS256;

    let cases = [
        ("garbage", "not.a.token".to_owned()),
        ("alg none", format!("{none_header}.{payload}.")),
        (
            "other key",
            sign(&claims(sub, "petition-api", "petition-clients", 600), hs, b"another-secret-entirely-000000000"),
        ),
        (
            "other algorithm",
            sign(&claims(sub, "petition-api", "petition-clients", 600), jsonwebtoken::Algorithm::HS512, DEV_SECRET),
        ),
        ("expired", sign(&claims(sub, "petition-api", "petition-clients", -600), hs, DEV_SECRET)),
        ("wrong issuer", sign(&claims(sub, "someone-else", "petition-clients", 600), hs, DEV_SECRET)),
        ("wrong audience", sign(&claims(sub, "petition-api", "someone-else", 600), hs, DEV_SECRET)),
        ("not yet valid", {
            let mut early = claims(sub, "petition-api", "petition-clients", 7200);
            early["nbf"] = json!(chrono::Utc::now().timestamp() + 3600);
            sign(&early, hs, DEV_SECRET)
        }),
    ];
    // The control: a token we sign the same way is accepted, so the refusals above are for the stated reason.
    let control = sign(&claims(sub, "petition-api", "petition-clients", 600), hs, DEV_SECRET);
    assert_eq!(app.graphql(ME, json!({}), Some(&control)).await["data"]["me"]["username"], "demo.clerk");

    for (what, token) in cases {
        let body = app.graphql(ME, json!({}), Some(&token)).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}: {body}");
        assert!(body["data"].is_null(), "{what}: no data");
        // Not even public data comes back with a bad token.
        let body = app.graphql("{ jurisdictions(first: 1) { totalCount } }", json!({}), Some(&token)).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}: {body}");
    }

    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&json!({"query": ME}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn no_token_means_anonymous() {
    let app = spawn_app().await;
    let body = app.graphql(ME, json!({}), None).await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    // Public administrative data is readable without a token.
    let body = app.graphql("{ jurisdiction(code: \"510502\") { name } }", json!({}), None).await;
    assert_eq!(body["data"]["jurisdiction"]["name"], "江阳区");
}
