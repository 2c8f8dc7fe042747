"""Docker Desktop's settings file: where it is on each platform, and reading it as Docker does.

docker-desktop's reader: settings-store.json (settings.json up to 4.34), found from the
Windows profile in WSL, read with a size limit and seen as a case-insensitive mapping, since
Docker Desktop writes PascalCase or camelCase keys depending on its version. Kept apart from
the check, which judges the settings it gets from here.
"""

from __future__ import annotations

import json
from typing import Any

from devdoctor import Host, MiB, Platform
from devdoctor.checks import wsl  # its modules load only where WSL is asked about

READ_LIMIT = 1024 * 1024
NAMES = ("settings-store.json", "settings.json")


def settings_folder(host: Host) -> tuple[str | None, str]:
    """Where Docker Desktop keeps settings-store.json on this platform, and how devdoctor knows."""
    home = (host.home or "").rstrip("\\/")
    if host.platform is Platform.WINDOWS:
        appdata = host.env.get("APPDATA") or (f"{home}\\AppData\\Roaming" if home else "")
        return (f"{appdata}\\Docker", "%APPDATA%\\Docker") if appdata else (None, "no APPDATA")
    if host.platform is Platform.WSL:
        profile = wsl.windows_profile(host)
        if profile.path is None:
            return None, profile.how
        return (
            f"{profile.path.rstrip('/')}/AppData/Roaming/Docker",
            f"Windows profile: {profile.how}",
        )
    if host.platform is Platform.MACOS:
        return f"{home}/Library/Group Containers/group.com.docker", "Docker Desktop for Mac"
    return f"{home}/.docker/desktop", "Docker Desktop for Linux"


def sep(host: Host) -> str:
    return "\\" if host.platform is Platform.WINDOWS else "/"


class Settings:
    """The settings as a case-insensitive mapping (PascalCase and camelCase spellings alike)."""

    def __init__(self, path: str, data: dict[str, Any]) -> None:
        self.path = path
        self._values = {str(key).lower(): value for key, value in data.items()}

    def get(self, key: str, default: Any = None) -> Any:
        """The value, or default when Docker Desktop left it out (it was never changed)."""
        return self._values.get(key.lower(), default)

    def flag(self, key: str, default: bool) -> bool:
        """A boolean setting; anything not a boolean counts as the default."""
        value = self.get(key)
        return value if isinstance(value, bool) else default


class UnreadableSettings(Exception):
    """The settings file is there but is not a JSON object devdoctor (or Docker) can read."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(why)
        self.path = path
        self.why = why


def read_settings(host: Host, folder: str) -> Settings | None:
    """The first settings file in `folder` (the newer name first); None when there is none.

    Raises UnreadableSettings, with the file and why in plain words, for one that is there but
    unreadable, too large, not UTF-8 or not a JSON object.
    """
    for name in NAMES:
        path = f"{folder}{sep(host)}{name}"
        try:
            data, truncated = host.read_bytes(path, limit=READ_LIMIT)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UnreadableSettings(path, f"cannot read it: {exc.strerror or exc}") from None
        if truncated:
            raise UnreadableSettings(path, f"larger than {READ_LIMIT // MiB} MiB")
        try:
            value = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise UnreadableSettings(path, "not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise UnreadableSettings(
                path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        if not isinstance(value, dict):
            raise UnreadableSettings(path, "not a JSON object")
        return Settings(path, value)
    return None


def positive_int(value: Any) -> bool:
    """Whether a setting is a count or size Docker Desktop would use (a positive integer)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def setting_text(settings: Settings, key: str, default: str) -> str:
    """A setting as devdoctor shows it in evidence; `default` says what an absent one means."""
    value = settings.get(key)
    if value is None:
        return f"not set ({default})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)
