"""The scripts a course's devcontainer build runs, found once per run and shared by
script-shebangs and line-endings."""

from __future__ import annotations

import stat
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from devdoctor import Host
from devdoctor.lazy import LazyPattern
from devdoctor.repo import git_ls

from .commands import invocations
from .configs import ConfigError, DevcontainerConfig, load
from .shebang import shebang_program
from .shell import HEADER_BYTES, SHELLS, RunAs
from .variant import chosen_config, chosen_devcontainer, configs, script_in_repo

SCRIPT_SUFFIXES = (".sh", ".bash")
_SH_LIKE = frozenset({"sh", "dash", "ash"})
_ZERO = r"""(?:--\s+)?"?(?:\$0|\$\{0\}|\$\{BASH_SOURCE(?:\[0\])?\})"?"""
_DIRNAME = rf"\$\(\s*dirname\s+{_ZERO}\s*\)"
_OWN_DIR = LazyPattern(
    rf"""\$\(\s*cd\s+"?{_DIRNAME}"?\s*&&\s*pwd(?:\s+-P)?\s*\)|{_DIRNAME}|\$\{{0%/\*\}}"""
)
"""How scripts name their own folder: $(dirname "$0"), $(cd "$(dirname "$0")" && pwd), ${0%/*}."""
SNIFF_BYTES = 256
FIX_LIMIT = 4 * 1024 * 1024
WALK_LIMIT = 5000


@dataclass(frozen=True)
class Use:
    """One way a lifecycle command runs a script."""

    key: str
    variant: str
    command: str
    run_as: RunAs
    made_executable: bool


@dataclass(frozen=True, slots=True)
class Script:
    """A script in the course repository: git's mode, how the build runs it, and whether its
    first bytes hold a CR. Not the bytes themselves: a repository of 50,000 scripts would keep
    them all for the whole run, so a check that needs them reads them again (`Scripts.head`);
    slots and no Path of its own keep the rest small for the same reason."""

    repo: Path  # the course repository (one object, shared)
    path: str  # relative to the repository, POSIX
    target: str | None  # `path` with links resolved, when inside the repository
    uses: tuple[Use, ...]
    git_mode: str | None
    git_sha: str | None
    has_cr: bool = False  # a CR in its first HEADER_BYTES
    eol: str = ""  # `git ls-files --eol`: "i/lf w/crlf attr/..." for scripts with a CR

    @property
    def full(self) -> Path:
        """The file itself (a symlink resolved), for reading and writing."""
        if self.target is not None:
            return self.repo / self.target
        return (self.repo / self.path).resolve()

    @property
    def run_by_build(self) -> bool:
        return bool(self.uses)

    @property
    def checkout_made_crlf(self) -> bool:
        """git stores LF and wrote CRLF into the working tree (core.autocrlf on a checkout)."""
        parts = self.eol.split()
        return "i/lf" in parts and any(p in ("w/crlf", "w/mixed") for p in parts)


@dataclass(frozen=True)
class Scripts:
    """Every script the course checks look at, gathered once per run."""

    repo: Path
    scripts: tuple[Script, ...]
    in_git: bool
    unreadable: tuple[tuple[str, str], ...] = ()
    configs: tuple[DevcontainerConfig, ...] = ()
    links: tuple[tuple[str, str, tuple[Use, ...]], ...] = ()  # (path, where it points, uses)

    def head(self, host: Host, script: Script) -> tuple[bytes, bool] | None:
        """The script's first HEADER_BYTES and whether there is more, read as they were when it
        was found (through the path the build names); None when it cannot be read now."""
        read = _read_head(host, self.repo / script.path)
        return None if isinstance(read, str) else read


def course_scripts(host: Host) -> Scripts | None:
    """The scripts of the course repository (shared by script-shebangs and line-endings)."""
    return host.fact("course.scripts", _collect)


def _configs(host: Host) -> list[DevcontainerConfig]:
    """The configurations whose commands count: the chosen one, or all of them for staff."""
    chosen, _ = chosen_config(host)
    files = configs(host) if host.options.course else [chosen] if chosen else []
    found: list[DevcontainerConfig] = []
    for file in files:
        if file == chosen:
            loaded = chosen_devcontainer(host)
        else:
            try:
                loaded = load(file, local_env=host.env, host=host)
            except ConfigError:
                continue
        if isinstance(loaded, DevcontainerConfig):
            found.append(loaded)
    return found


def _uses(host: Host, repo: Path, configs: list[DevcontainerConfig]) -> dict[str, list[Use]]:
    """The scripts the lifecycle commands run, and the scripts those run (one level down)."""
    uses: dict[str, list[Use]] = defaultdict(list)
    for config in configs:
        for key, command in config.lifecycle.items():
            if key == "initializeCommand":
                continue  # runs on the host, not in the container
            for inv in invocations(command):
                path = script_in_repo(config, repo, inv.path)
                if path is not None:
                    use = Use(
                        key, config.file.variant, inv.command, inv.run_as, inv.made_executable
                    )
                    if use not in uses[path]:
                        uses[path].append(use)
    first = {path: list(found) for path, found in uses.items()}
    by_variant = {c.file.variant: c for c in configs}
    for path, found in first.items():
        for use in found:
            owner = by_variant.get(use.variant)
            if owner is not None:
                for inner, inner_use in _called(host, repo, owner, path, use):
                    if inner_use not in uses[inner]:
                        uses[inner].append(inner_use)
    return uses


def _called(
    host: Host, repo: Path, config: DevcontainerConfig, path: str, use: Use
) -> list[tuple[str, Use]]:
    """Scripts that a script run by the build runs in turn (one level: enough for the courses
    tried, and no loops to guard). Its commands run in the workspace folder, unless the script
    changes folder, so a path is looked up there and then beside the script; only files that
    exist count, as the script's own folder changes are not followed."""
    try:
        head, _ = host.read_bytes(repo / path, limit=HEADER_BYTES)
    except OSError:
        return []
    program = shebang_program(head)
    if use.run_as in (RunAs.SH, RunAs.SH_SOURCED):
        shell = "sh"
    elif use.run_as in (RunAs.BASH, RunAs.SOURCED):
        shell = "bash"
    elif program is None or program in _SH_LIKE:
        shell = "sh"
    elif program in SHELLS:
        shell = "bash"
    else:
        return []  # python, node...: not a shell script
    text = head.decode("utf-8", "replace").replace("\r\n", "\n")
    text = _OWN_DIR.sub(lambda _: Path(path).parent.as_posix(), text)
    found: list[tuple[str, Use]] = []
    via = f"{use.key} via {path}"
    for inv in invocations(text, shell=shell):
        candidates = [inv.path, (Path(path).parent / inv.path).as_posix()]
        for written in candidates:
            inner = script_in_repo(config, repo, written)
            if inner is not None and inner != path and host.exists(repo / inner):
                made = inv.made_executable
                found.append((inner, Use(via, use.variant, inv.command, inv.run_as, made)))
                break
    return found


def _collect(host: Host) -> Scripts | None:
    repo = host.repo_root
    if repo is None:
        return None
    configs = _configs(host)
    uses = _uses(host, repo, configs)
    modes = _tracked(host, repo, list(uses))
    in_git = modes is not None
    if modes is None:
        modes = dict.fromkeys(_walk(host, repo), ("", ""))
    wanted = {p for p, (m, _) in modes.items() if m in ("", "100644", "100755", "120000")}
    wanted = {p for p in wanted if p in uses or _is_shell_script(host, repo, p)} | set(uses)
    targets = _targets(host, repo, wanted)
    missing_modes = {t for t in targets.values() if t and t not in modes}
    if in_git and missing_modes:
        modes.update(_tracked_exact(host, repo, missing_modes))
    scripts, unreadable = _read_scripts(host, repo, wanted, targets, uses, modes)
    found = _with_eol(host, repo, scripts) if in_git else scripts
    links = _bad_links(host, repo, targets, uses)
    return Scripts(repo, tuple(found), in_git, tuple(unreadable), tuple(configs), links)


def _bad_links(
    host: Host, repo: Path, targets: dict[str, str | None], uses: dict[str, list[Use]]
) -> tuple[tuple[str, str, tuple[Use, ...]], ...]:
    """Scripts that are links to nothing, or to a file outside the repository (which a clone,
    and the container, where only the repository is mounted, do not have)."""
    bad = []
    for path, target in sorted(targets.items()):
        full = repo / path
        if target is not None and target != path and host.exists(full):
            continue
        if target == path or not _is_link(host, full):
            continue
        try:
            points = full.resolve().as_posix()
        except (OSError, RuntimeError):
            points = "?"
        bad.append((path, points, tuple(uses.get(path, ()))))
    return tuple(bad)


def _read_scripts(
    host: Host,
    repo: Path,
    wanted: set[str],
    targets: dict[str, str | None],
    uses: dict[str, list[Use]],
    modes: dict[str, tuple[str, str]],
) -> tuple[list[Script], list[tuple[str, str]]]:
    """Each script, once per file (a link adds its uses to its target): its first bytes are
    read to see that it can be read and whether it has a CR, then dropped."""
    scripts: dict[str, Script] = {}
    unreadable: list[tuple[str, str]] = []
    for path in sorted(wanted, key=lambda p: (targets.get(p) != p, p)):  # real files first
        target = targets.get(path)
        key = target or path
        if key in scripts:
            old = scripts[key]
            extra = tuple(u for u in uses.get(path, ()) if u not in old.uses)
            scripts[key] = replace(old, uses=old.uses + extra)
            continue
        read = _read_head(host, repo / path)
        if isinstance(read, str):
            if read:
                unreadable.append((path, read))
            continue
        mode, blob = modes.get(target or "", ("", ""))
        scripts[key] = Script(
            repo=repo,
            path=path,
            target=target,
            uses=tuple(uses.get(path, ())),
            git_mode=mode or None,
            git_sha=blob or None,
            has_cr=b"\r" in read[0],
        )
    return list(scripts.values()), unreadable


def _tracked(host: Host, repo: Path, invoked: list[str]) -> dict[str, tuple[str, str]] | None:
    """Index modes and blobs under .devcontainer, at the top level, and of `invoked`."""
    specs = [".devcontainer", ":(glob)*", *(f":(literal){p}" for p in invoked)]
    done = host.run(["git", "-C", str(repo), "ls-files", "-s", "-z", "--", *specs], timeout=15)
    if not done.ok:
        return None
    return _parse_stage(done.out_bytes)


def _tracked_exact(host: Host, repo: Path, paths: set[str]) -> dict[str, tuple[str, str]]:
    listed = git_ls(host, repo, ["-s"], sorted(paths))
    return _parse_stage(listed or b"")


def _parse_stage(out: bytes) -> dict[str, tuple[str, str]]:
    """`git ls-files -s -z` as path: (mode, blob); a path in conflict has no single blob."""
    entries: dict[str, tuple[str, str]] = {}
    modes: dict[str, str] = {}  # each mode once, not once per file
    for record in out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        fields = meta.decode("ascii", "replace").split()
        if name and len(fields) == 3:
            path = name.decode("utf-8", "surrogateescape")
            mode = modes.setdefault(fields[0], fields[0])
            entries[path] = (mode, fields[1] if fields[2] == "0" else "")
    return entries


def _walk(host: Host, repo: Path) -> list[str]:
    """Without git: files at the top level and under .devcontainer (bounded)."""
    found = [name for name in host.listdir(str(repo)) if _is_regular(host, repo / name)]
    for folder, dirs, files in host.walk(repo / ".devcontainer"):
        depth = len(Path(folder).relative_to(repo).parts)
        if depth > 4:
            dirs[:] = []
        found += [Path(folder, f).relative_to(repo).as_posix() for f in files]
        if len(found) > WALK_LIMIT:
            break
    return found


def _is_regular(host: Host, path: Path) -> bool:
    """A regular file itself, not a link to one."""
    try:
        return stat.S_ISREG(host.stat(path, follow=False).st_mode)
    except OSError:
        return False


def _is_link(host: Host, path: Path) -> bool:
    try:
        return stat.S_ISLNK(host.stat(path, follow=False).st_mode)
    except OSError:
        return False


def _is_shell_script(host: Host, repo: Path, path: str) -> bool:
    """`*.sh`, `*.bash`, or a file without an extension whose first line names a shell."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(SCRIPT_SUFFIXES):
        return True
    if "." in name.lstrip("."):
        return False
    try:
        head, _ = host.read_bytes(repo / path, limit=SNIFF_BYTES)
    except OSError:
        return False
    program = shebang_program(head)
    return program is not None and program in SHELLS


def _targets(host: Host, repo: Path, paths: set[str]) -> dict[str, str | None]:
    """Each path with its links resolved, relative to the repository (None when outside it)."""
    targets: dict[str, str | None] = {}
    for path in paths:
        full = repo / path
        if not _is_link(host, full):
            targets[path] = path
            continue
        try:
            targets[path] = full.resolve().relative_to(repo.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            targets[path] = None
    return targets


def _read_head(host: Host, path: Path) -> tuple[bytes, bool] | str:
    """At most HEADER_BYTES of a file; "" when it is not there, else why it cannot be read."""
    try:
        return host.read_bytes(path, limit=HEADER_BYTES)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return ""
    except OSError as exc:
        return exc.strerror or str(exc)


def _with_eol(host: Host, repo: Path, scripts: list[Script]) -> list[Script]:
    """Ask git how it stores the scripts that have a CR (index LF, working tree CRLF...)."""
    with_cr = [s for s in scripts if s.has_cr and s.git_mode and s.target]
    if not with_cr:
        return scripts
    listed = git_ls(host, repo, ["--eol"], [s.target or s.path for s in with_cr]) or b""
    eol: dict[str, str] = {}
    for record in listed.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name:
            eol[name.decode("utf-8", "surrogateescape")] = " ".join(meta.decode().split())
    return [replace(s, eol=eol[s.target]) if s.target in eol else s for s in scripts]


__all__ = [
    "FIX_LIMIT",
    "SCRIPT_SUFFIXES",
    "SHELLS",
    "Script",
    "Scripts",
    "Use",
    "course_scripts",
]
