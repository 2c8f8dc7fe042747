"""Who may open Docker's socket: the socket's group, /etc/group, and this process's groups.

A user added to the docker group keeps being refused until a new login: /etc/group lists them,
but the process's groups (Host.process_groups) do not have it yet. Telling the two apart is
the difference between "run usermod" and "log out and in".
"""

from __future__ import annotations

from devdoctor import Host


def group_name(host: Host, gid: int) -> str | None:
    """The name of a group id, from the host's /etc/group."""
    for name, number, _members in _groups(host):
        if number == gid:
            return name
    return None


def listed_in_group(host: Host, gid: int, user: str) -> bool:
    """Whether /etc/group lists the user in the group (a new login then gives it to them)."""
    return any(number == gid and user in members for _name, number, members in _groups(host))


def _groups(host: Host) -> list[tuple[str, int, tuple[str, ...]]]:
    try:
        data, _ = host.read_bytes("/etc/group", limit=1024 * 1024)
    except OSError:
        return []
    rows = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit():
            rows.append((fields[0], int(fields[2]), tuple(m for m in fields[3].split(",") if m)))
    return rows


def current_user(host: Host) -> str:
    """The user devdoctor runs as: USER or LOGNAME, else the password database's name."""
    return host.env.get("USER") or host.env.get("LOGNAME") or host.login_name() or "you"


def process_groups(host: Host) -> set[int]:
    """The groups this process has now (what a new login would change)."""
    return set(host.process_groups())
