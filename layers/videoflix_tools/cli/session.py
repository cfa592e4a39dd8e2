"""The logged-in admin's API client, shared by every command that calls the admin API."""
from __future__ import annotations

from videoflix_tools.cli.api import ApiClient
from videoflix_tools.cli.config import config_dir
from videoflix_tools.cli.credentials import CredentialStore


def logged_in_client() -> ApiClient:
    """A client with the tokens `videoflix login` stored; CommandFailed when there are none."""
    store = CredentialStore(config_dir())
    return ApiClient(store.load(), store)
