"""The network's web pages: employer check, state console, registrar console.

A process of its own (``python -m ler_web --config web.yml``) that renders pages on the server and
talks to agents only through their admin APIs; it holds no wallet keys.
"""

from .server import create_app
from .user_accounts import ROLES, Account, AccountStore
from .web_settings import AgentLink, WebSettings, WebSettingsError

__all__ = [
    "ROLES",
    "Account",
    "AccountStore",
    "AgentLink",
    "WebSettings",
    "WebSettingsError",
    "create_app",
]
