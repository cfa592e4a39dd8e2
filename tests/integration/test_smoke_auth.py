import pytest

pytestmark = pytest.mark.integration


def test_register_activate_login_refresh_logout(client, mailbox):
    assert client.post("/api/register/", {"email": "Ann@Example.com", "password": "secret-123",
                                          "confirmed_password": "secret-123"}).status == 201
    _, uid, token = mailbox.link_params(mailbox.last_to("ann@example.com"))
    assert client.get(f"/api/activate/{uid}/{token}/").json == {"message": "Account successfully activated."}
    login = client.post("/api/login/", {"email": "ann@example.com", "password": "secret-123"})
    assert login.status == 200, login.text
    assert set(client.cookies) == {"access_token", "refresh_token", "csrftoken"}
    assert client.post("/api/token/refresh/").status == 200
    assert client.post("/api/logout/").status == 200
    assert client.cookies == {}
