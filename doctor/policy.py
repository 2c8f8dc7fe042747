"""The course's needs, from `.devdoctor.toml` (or `[tool.devdoctor]` in pyproject.toml).

Course staff write this once in the course repository. A typo must not silently fall back to a
default, so an unknown key is an error naming the key and the file, unless the file declares a
newer schema than this devdoctor knows: then it is only a warning to upgrade.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PolicyError as PolicyError
from .sizes import GiB, parse_size

SCHEMA = 1
POLICY_FILE = ".devdoctor.toml"
READ_LIMIT = 1024 * 1024

# section -> key -> kind
_KEYS: dict[str, dict[str, str]] = {
    "course": {"name": "str", "forum_url": "str", "min_devdoctor": "str", "default_variant": "str"},
    "wsl": {"memory": "size", "swap": "size"},
    "docker": {"memory": "size", "disk_free": "size"},
    "gpu": {"required": "gpu"},
    "vscode": {"min_extension": "str"},
    "volume": {"name": "str", "stamp": "str"},
    "requirements": {"files": "strlist", "frozen_image": "str", "known_bad": "list"},
    "checks": {"skip": "strlist"},
    "help": {"*": "str"},
}




@dataclass(frozen=True)
class Policy:
    """What the course needs; defaults serve a course like the one that asked for devdoctor."""

    path: str | None = None
    sha256: str | None = None
    schema: int = SCHEMA
    course_name: str | None = None
    forum_url: str | None = None
    min_devdoctor: str | None = None
    default_variant: str | None = None
    wsl_memory: int = 8 * GiB
    wsl_swap: int = 8 * GiB
    docker_memory: int = 8 * GiB
    docker_disk_free: int = 20 * GiB
    gpu_required: str = "auto"
    min_extension: str | None = None
    volume_name: str | None = None
    volume_stamp: str | None = None
    requirement_files: tuple[str, ...] = ("requirements.txt",)
    known_bad: tuple[Mapping[str, str], ...] = ()
    frozen_image: str | None = None
    skip: tuple[str, ...] = ()
    help: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    explicit: frozenset[str] = frozenset()

    def source(self, key: str) -> str:
        """Where a requirement came from, for evidence: the policy file or devdoctor's default."""
        if key in self.explicit and self.path:
            return f"{self.path} [{key.replace('.', '] ', 1)}"
        return "devdoctor's default"

    def to_json(self) -> dict[str, object]:
        """The policy as the JSON contract shows it."""
        return {"path": self.path, "sha256": self.sha256, "warnings": list(self.warnings)}


def load_policy(repo: Path | None) -> Policy:
    """The policy in the course repository, or the defaults when it has none."""
    if repo is None:
        return Policy()
    own = repo / POLICY_FILE
    if own.is_file():
        data, raw = _read_toml(own)
        return _build(data, POLICY_FILE, raw)
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file():
        data, raw = _read_toml(pyproject)
        tool = data.get("tool")
        section = tool.get("devdoctor") if isinstance(tool, dict) else None
        if isinstance(section, dict):
            return _build(section, "pyproject.toml [tool.devdoctor]", raw)
    return Policy()


def _read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    """The parsed file and the bytes it was parsed from (read once, at most READ_LIMIT)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            raw = handle.read(READ_LIMIT)
        data: dict[str, Any] = tomllib.loads(raw.decode("utf-8-sig"))
        return data, raw
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path.name}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path.name}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise PolicyError(f"{path.name}: not valid TOML: nested too deeply") from None


def _build(data: Mapping[str, Any], name: str, raw: bytes) -> Policy:
    schema = data.get("schema", SCHEMA)
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise PolicyError(f"{name}: schema must be a whole number like {SCHEMA}, not {schema!r}")
    newer = schema > SCHEMA
    warnings: list[str] = []
    if newer:
        warnings.append(
            f"{name} uses policy schema {schema}; this devdoctor knows schema {SCHEMA}. "
            "Upgrade devdoctor to follow every rule of this course."
        )

    def unknown(key: str) -> None:
        if newer:
            warnings.append(f"{name}: ignoring `{key}`, which this devdoctor does not know")
        else:
            raise PolicyError(f"{name}: unknown key `{key}` (known: {_known_list(key)})")

    values: dict[str, Any] = {}
    for section, content in data.items():
        if section == "schema":
            continue
        if section not in _KEYS:
            unknown(section)
            continue
        if not isinstance(content, dict):
            raise PolicyError(f"{name}: [{section}] must be a table")
        for key, value in content.items():
            kind = _KEYS[section].get(key) or _KEYS[section].get("*")
            if kind is None:
                unknown(f"{section}.{key}")
                continue
            values[f"{section}.{key}"] = _convert(name, f"{section}.{key}", kind, value)

    return Policy(
        path=name if name == POLICY_FILE else "pyproject.toml",
        sha256=_sha256(raw),
        schema=schema,
        course_name=values.get("course.name"),
        forum_url=values.get("course.forum_url"),
        min_devdoctor=values.get("course.min_devdoctor"),
        default_variant=values.get("course.default_variant"),
        wsl_memory=values.get("wsl.memory", 8 * GiB),
        wsl_swap=values.get("wsl.swap", 8 * GiB),
        docker_memory=values.get("docker.memory", 8 * GiB),
        docker_disk_free=values.get("docker.disk_free", 20 * GiB),
        gpu_required=values.get("gpu.required", "auto"),
        min_extension=values.get("vscode.min_extension"),
        volume_name=values.get("volume.name"),
        volume_stamp=values.get("volume.stamp"),
        requirement_files=tuple(values.get("requirements.files", ("requirements.txt",))),
        known_bad=tuple(values.get("requirements.known_bad", ())),
        frozen_image=values.get("requirements.frozen_image"),
        skip=tuple(values.get("checks.skip", ())),
        help={k.partition(".")[2]: v for k, v in values.items() if k.startswith("help.")},
        warnings=tuple(warnings),
        explicit=frozenset(values),
    )


def _known_list(key: str) -> str:
    section, _, _ = key.partition(".")
    if section in _KEYS and "." in key:
        return ", ".join(f"{section}.{k}" for k in _KEYS[section] if k != "*")
    return ", ".join(["schema", *(f"[{s}]" for s in _KEYS)])


def _convert(name: str, key: str, kind: str, value: Any) -> Any:
    where = f"{name}: `{key}`"
    if kind == "size":
        try:
            return parse_size(value)
        except ValueError as exc:
            raise PolicyError(f"{where}: {exc}") from None
    if kind == "str":
        if not isinstance(value, str):
            raise PolicyError(f"{where} must be text in quotes, not {value!r}")
        return value
    if kind == "strlist":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise PolicyError(f'{where} must be a list of texts like ["a", "b"]')
        return value
    if kind == "gpu":
        if isinstance(value, bool):
            return "true" if value else "false"
        if value == "auto":
            return "auto"
        raise PolicyError(f'{where} must be "auto", true or false, not {value!r}')
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise PolicyError(f'{where} must be a list of tables like {{ name = "x", ... }}')
        return [{str(k): str(v) for k, v in item.items()} for item in value]
    raise AssertionError(kind)


def _sha256(raw: bytes) -> str:
    """The policy file's hash for reports (hashlib loads OpenSSL: only when there is a file)."""
    import hashlib

    return hashlib.sha256(raw).hexdigest()
