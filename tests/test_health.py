from fastapi.testclient import TestClient


def test_health_reports_database_reachable(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_a_problem_detail(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_oversize_json_body_is_refused_with_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_nul_character_in_an_address_is_refused_with_400(client: TestClient) -> None:
    response = client.get("/api/v1/setup?q=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"


def test_nul_character_in_a_json_body_is_a_field_error(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"email": "a\u0000@x.com", "password": "p"})
    assert response.status_code == 422
    assert any("NUL" in e["message"] for e in response.json()["errors"])


def test_api_docs_load_nothing_from_another_host(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "https://" not in page.text
    assert "http://" not in page.text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
