"""Signing in and out, throttling, session expiry, CSRF, and my own profile and password."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchestre.config import Settings
from orchestre.kit.clock import FrozenClock, utcnow
from orchestre.models import LoginAttempt, WebSession
from orchestre.workspaces import auth
from tests.factories import PASSWORD, make_user, web_login
from tests.workspaces.conftest import SignedIn, csrf

LOGIN = "/api/v1/auth/login"


def _failures(db: Session, email: str) -> int:
    stmt = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.email == email, LoginAttempt.succeeded.is_(False)
    )
    return int(db.scalar(stmt) or 0)


def test_login_sets_a_protected_cookie_and_returns_the_csrf_token(
    client: TestClient, db: Session, settings: Settings
) -> None:
    user = make_user(db, email="ana@example.com")
    response = client.post(LOGIN, json={"email": "  ANA@example.com ", "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["email"] == "ana@example.com"
    assert body["user"]["id"] == str(user.id)
    assert "password_hash" not in body["user"]
    assert body["csrf_token"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("orchestre_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert f"Max-Age={settings.session_max_age_seconds}" in cookie
    assert "Secure" not in cookie
    assert client.get("/api/v1/me").json()["email"] == "ana@example.com"


def test_cookie_is_secure_when_the_settings_say_so(
    client: TestClient, db: Session, settings: Settings
) -> None:
    settings.cookie_secure = True
    user = make_user(db)
    response = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_401_and_the_attempt_is_counted(client: TestClient, db: Session) -> None:
    user = make_user(db)
    response = client.post(LOGIN, json={"email": user.email, "password": "not the password"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_credentials"
    assert "orchestre_session" not in response.headers.get("set-cookie", "")
    # Recorded in its own transaction: it survived the failed request.
    assert _failures(db, user.email) == 1


def test_unknown_email_gives_the_same_answer_as_a_wrong_password(client: TestClient) -> None:
    response = client.post(LOGIN, json={"email": "nobody@example.com", "password": "whatever1"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong email or password."


def test_sixth_attempt_is_throttled_until_the_window_passes(
    client: TestClient, db: Session, settings: Settings, clock: FrozenClock
) -> None:
    user = make_user(db)
    for _ in range(settings.login_max_failures):
        wrong = client.post(LOGIN, json={"email": user.email, "password": "wrong password"})
        assert wrong.status_code == 401
    # Even the right password is refused while throttled.
    throttled = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "login_throttled"
    assert int(throttled.headers["Retry-After"]) == settings.login_window_seconds
    clock.advance(seconds=settings.login_window_seconds / 2)
    again = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert int(again.headers["Retry-After"]) == settings.login_window_seconds // 2
    clock.advance(seconds=settings.login_window_seconds / 2 + 1)
    assert client.post(LOGIN, json={"email": user.email, "password": PASSWORD}).status_code == 200


def test_failures_from_one_address_throttle_other_emails(
    client: TestClient, db: Session, settings: Settings
) -> None:
    for n in range(settings.login_max_failures):
        client.post(LOGIN, json={"email": f"guess{n}@example.com", "password": "guessing!!"})
    user = make_user(db)
    response = client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_malformed_json_is_400_and_unknown_fields_are_422(client: TestClient) -> None:
    malformed = client.post(
        LOGIN, content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_json"
    extra = client.post(LOGIN, json={"email": "a@example.com", "password": "x", "admin": True})
    assert extra.status_code == 422
    assert extra.json()["errors"][0]["field"] == "admin"
    wrong_type = client.post(LOGIN, json={"email": "a@example.com", "password": 1234567890})
    assert wrong_type.status_code == 422


def test_logout_ends_the_session_and_deletes_the_cookie(
    client: TestClient, owner: SignedIn, db: Session
) -> None:
    response = client.post("/api/v1/auth/logout", headers=owner.headers)
    assert response.status_code == 204
    assert 'orchestre_session=""' in response.headers["set-cookie"]
    assert db.scalar(select(func.count(WebSession.id))) == 0
    assert client.get("/api/v1/me").status_code == 401


def test_logout_without_csrf_is_refused(client: TestClient, owner: SignedIn) -> None:
    assert client.post("/api/v1/auth/logout").status_code == 403
    assert client.get("/api/v1/me").status_code == 200


def test_expired_session_is_401_session_expired(
    client: TestClient, owner: SignedIn, settings: Settings, clock: FrozenClock
) -> None:
    clock.advance(seconds=settings.session_max_age_seconds + 1)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_idle_session_expires_but_an_active_one_lives_on(
    client: TestClient, owner: SignedIn, settings: Settings, clock: FrozenClock
) -> None:
    clock.advance(seconds=settings.session_idle_seconds - 60)
    assert client.get("/api/v1/me").status_code == 200  # activity moves the idle deadline
    clock.advance(seconds=settings.session_idle_seconds - 60)
    assert client.get("/api/v1/me").status_code == 200
    clock.advance(seconds=settings.session_idle_seconds + 1)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_signing_in_sweeps_away_stale_sessions_and_old_attempts(
    client: TestClient, db: Session, owner: SignedIn, settings: Settings, clock: FrozenClock
) -> None:
    idle = db.scalars(select(WebSession).where(WebSession.user_id == owner.user.id)).one()
    client.post(LOGIN, json={"email": "nobody@example.com", "password": "guessing!!"})
    clock.advance(seconds=settings.session_idle_seconds + 1)
    # The request meeting the idle session answers 401 and rolls back: it deletes nothing.
    assert client.get("/api/v1/me").status_code == 401
    assert db.scalar(select(WebSession.id).where(WebSession.id == idle.id)) == idle.id
    _raw, expired = auth.open_session(db, settings, make_user(db))
    expired.expires_at = utcnow()
    _raw, live = auth.open_session(db, settings, make_user(db))
    db.flush()

    client.cookies.clear()
    user = make_user(db)
    assert client.post(LOGIN, json={"email": user.email, "password": PASSWORD}).status_code == 200

    remaining = set(db.scalars(select(WebSession.id)))
    assert idle.id not in remaining
    assert expired.id not in remaining
    assert live.id in remaining
    assert len(remaining) == 2  # the live one and the one just opened
    # The failure is older than the throttling window: only the new success is kept.
    assert list(db.scalars(select(LoginAttempt.email))) == [user.email]


def test_cookie_write_without_csrf_is_403(client: TestClient, owner: SignedIn) -> None:
    response = client.patch("/api/v1/me", json={"name": "Ana"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    wrong = client.patch("/api/v1/me", json={"name": "Ana"}, headers=csrf("not-the-token"))
    assert wrong.status_code == 403
    assert client.patch("/api/v1/me", json={"name": "Ana"}, headers=owner.headers).is_success


def test_no_credentials_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_update_my_profile(client: TestClient, owner: SignedIn) -> None:
    response = client.patch(
        "/api/v1/me",
        json={"name": "  Ana Lune ", "locale": "fr", "timezone": "America/Montreal"},
        headers=owner.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["locale"], body["timezone"]) == (
        "Ana Lune",
        "fr",
        "America/Montreal",
    )
    # Leaving a field out keeps it; null language means "the browser's".
    body = client.patch("/api/v1/me", json={"locale": None}, headers=owner.headers).json()
    assert (body["name"], body["locale"]) == ("Ana Lune", None)


def test_null_time_zone_clears_my_choice(client: TestClient, owner: SignedIn) -> None:
    assert client.get("/api/v1/me", headers=owner.headers).json()["timezone"] is None
    chose = client.patch("/api/v1/me", json={"timezone": "UTC"}, headers=owner.headers)
    assert chose.json()["timezone"] == "UTC"
    cleared = client.patch("/api/v1/me", json={"timezone": None}, headers=owner.headers)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["timezone"] is None
    assert client.get("/api/v1/me", headers=owner.headers).json()["timezone"] is None


def test_profile_refuses_unknown_zone_language_and_empty_name(
    client: TestClient, owner: SignedIn
) -> None:
    response = client.patch(
        "/api/v1/me", json={"timezone": "Mars/Olympus", "name": " "}, headers=owner.headers
    )
    assert response.status_code == 422
    fields = {e["field"]: e["rule"] for e in response.json()["errors"]}
    assert fields == {"timezone": "timezone", "name": "required"}
    bad_locale = client.patch("/api/v1/me", json={"locale": "de"}, headers=owner.headers)
    assert bad_locale.status_code == 422
    empty_zone = client.patch("/api/v1/me", json={"timezone": ""}, headers=owner.headers)
    assert empty_zone.status_code == 422


def test_password_change_needs_the_current_one_and_ends_other_sessions(
    client: TestClient, app: FastAPI, owner: SignedIn
) -> None:
    with TestClient(app) as other_browser:
        web_login(other_browser, owner.user)
        assert other_browser.get("/api/v1/me").status_code == 200

        wrong = client.post(
            "/api/v1/me/password",
            json={"current_password": "nope nope nope", "new_password": "a new long password"},
            headers=owner.headers,
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "current_password"
        short = client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers=owner.headers,
        )
        assert short.status_code == 422
        error = short.json()["errors"][0]
        assert (error["field"], error["limit"]) == ("new_password", 10)

        done = client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "a new long password"},
            headers=owner.headers,
        )
        assert done.status_code == 204
        assert client.get("/api/v1/me").status_code == 200  # this session stays
        assert other_browser.get("/api/v1/me").status_code == 401
    relogin = client.post(
        LOGIN, json={"email": owner.user.email, "password": "a new long password"}
    )
    assert relogin.status_code == 200
