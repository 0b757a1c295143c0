//! `/metrics`: requests by route shape, method and status, latencies, the pool and the audit queue, in
//! Prometheus's text format; never a slug or a token; only the API's own route shapes, so odd paths take no real route's place.

use serde_json::json;

use super::support::*;

#[tokio::test]
async fn metrics_count_requests_by_shape_without_names() {
    let s = TestServer::start().await;
    // Any number of odd paths first: they are all `other`, and take no real route's place.
    let words = ["secrets", "store", "versions", "targets", "history", "pending", "rotate", "purge"];
    for i in 0..200usize {
        let path: Vec<&str> = (0..4).map(|k| words[(i >> (k * 2)) % words.len()]).collect();
        s.post(&s.o(&path.join("/")), json!({})).await;
    }
    s.tree("secret-project-name", "t", "e").await;
    s.get(&s.o("secret-project-name/t/e/secrets")).await.ok();
    s.get(&s.o("no-such-project/t/e/secrets")).await.err(404, "not_found");
    s.call_as(Some("edk_not_a_token"), reqwest::Method::GET, &s.o("projects"), None).await;
    let text = reqwest::get(format!("{}/metrics", s.url)).await.unwrap().text().await.unwrap();
    for line in [
        r#"envdesk_http_requests_total{route="/api/v1/*/*/*/*/secrets",method="GET",status="200"} 1"#,
        r#"envdesk_http_requests_total{route="/api/v1/*/*/*/*/secrets",method="GET",status="404"} 1"#,
        r#"envdesk_http_requests_total{route="/api/v1/*/projects",method="POST",status="201"} 1"#,
        r#"envdesk_http_requests_total{route="/api/v1/*/projects",method="GET",status="401"} 1"#,
        r#"envdesk_http_request_duration_seconds_count{route="/api/v1/*/*/*/*/secrets"} 2"#,
        "# TYPE envdesk_db_pool_connections gauge",
        "envdesk_audit_queue ",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    for secret in ["secret-project-name", "no-such-project", s.token.as_str(), "edk_not_a_token", s.org.as_str()] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
    let routes = text.lines().filter(|l| l.starts_with("envdesk_http_request_duration_seconds_count")).count();
    assert!(routes <= envdesk_server::metrics::ROUTES.len() + 1, "{routes} route series");
    assert!(text.contains(r#"route="other""#));
    s.stop().await;
}
