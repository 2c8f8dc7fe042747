"""The home volume's stamp: which variant and which requirements filled the volume.

The course's install script writes the stamp file last, so its presence says the install
finished. Its content (lines `variant=NAME` and `requirements=SHA256`) says for what: a volume
filled by the gpufrozen branch, or before requirements.txt changed, holds packages this
checkout does not expect. An empty stamp (older courses) says only that the install finished.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from devdoctor import Host
from devdoctor.checks.course import DevcontainerConfig, chosen_devcontainer
from devdoctor.lazy import LazyPattern
from devdoctor.repo import policy

STAMP_LIMIT = 4096
"""A stamp is a few short lines; anything larger is not one and is not read further."""
VARIANT_ENV = "COURSE_VARIANT"
"""The convention: devcontainer.json's containerEnv names the variant for the install script."""
REQUIREMENTS_LIMIT = 1024 * 1024
_KEY = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_SHA256 = LazyPattern(r"^[0-9a-f]{64}$")
_RECORDS = ("variant", "requirements")


class StampError(ValueError):
    """The stamp's content is not the documented format; the message says where."""


class Stamp(NamedTuple):
    """What a stamp records; None for what it does not say."""

    variant: str | None = None
    requirements: str | None = None

    @property
    def empty(self) -> bool:
        return self.variant is None and self.requirements is None


def format_stamp(variant: str | None, requirements: str | None) -> str:
    """The stamp's text, as the documented printf writes it."""
    lines = []
    if variant is not None:
        lines.append(f"variant={variant}\n")
    if requirements is not None:
        lines.append(f"requirements={requirements}\n")
    return "".join(lines)


def parse_stamp(data: bytes) -> Stamp:
    """The stamp's records. Raises StampError when the bytes are not the documented format.

    Blank lines and `#` comments are allowed, CRLF too (a stamp written from Windows); keys
    other than variant and requirements are ignored so that a later format can add some; an
    empty value records nothing (`variant=` when COURSE_VARIANT was not set).
    """
    if len(data) > STAMP_LIMIT:
        raise StampError(f"larger than {STAMP_LIMIT} bytes, not a stamp")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise StampError("not UTF-8 text") from None
    text = text.removeprefix("\ufeff")
    seen: dict[str, str] = {}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r").strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not _KEY.match(key):
            raise StampError(f"line {number} is not key=value: {_shown(line)}")
        if key in seen and key in _RECORDS:  # `>>` instead of `>`: which install is it?
            raise StampError(f"line {number} repeats {key}")
        seen[key] = value
    variant = seen.get("variant") or None
    requirements = (seen.get("requirements") or "").lower() or None
    if requirements is not None and not _SHA256.match(requirements):
        raise StampError(f"requirements is not a sha256 (64 hex digits): {_shown(requirements)}")
    if variant is not None and any(c.isspace() or not c.isprintable() for c in variant):
        raise StampError(f"variant is not one word: {_shown(variant)}")
    return Stamp(variant, requirements)


def _shown(text: str) -> str:
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def short(digest: str) -> str:
    """A hash as people compare it: its first 12 hex digits."""
    return digest[:12] + "…"


def checkout_variant(host: Host) -> tuple[str | None, str]:
    """The variant this checkout installs, and how devdoctor knows.

    What the install script records is COURSE_VARIANT from the configuration's containerEnv,
    so that comes first; else the variant fact's name: the branch when the course ships its
    variants as branches (`default@gpufrozen` is gpufrozen), else the folder's name.
    """
    cfg = chosen_devcontainer(host)
    if isinstance(cfg, DevcontainerConfig):
        env = cfg.data.get("containerEnv")
        given = env.get(VARIANT_ENV) if isinstance(env, dict) else None
        if isinstance(given, str) and given.strip():
            value, complete = cfg.resolve(given.strip())
            if complete and value:
                return value, f"containerEnv {VARIANT_ENV} in devcontainer.json"
    name, why = host.provided("variant")
    if not name:
        return None, f"unknown: {why}"
    folder, at, branch = str(name).partition("@")
    if at and branch:
        return branch, f"git branch {branch}"
    return folder, f"the configuration ({why})"


def requirements_hash(host: Host) -> tuple[str | None, str]:
    """sha256 of the policy's requirement files' bytes, concatenated in the policy's order.

    That is what `cat FILES | sha256sum` prints in the container, where the checkout is the
    workspace folder. None (and why) when a file is missing or too large to be one.
    """
    top = host.repo_root
    files = policy(host).requirement_files
    if top is None or not files:
        return None, "unknown: no course repository or no requirement files in the policy"
    digest = hashlib.sha256()
    for name in files:
        try:
            data, more = host.read_bytes(top / name, REQUIREMENTS_LIMIT)
        except OSError as exc:
            return None, f"unknown: cannot read {name} ({exc.strerror or exc})"
        if more:
            return None, f"unknown: {name} is larger than {REQUIREMENTS_LIMIT} bytes"
        digest.update(data)
    return digest.hexdigest(), f"sha256 of {' + '.join(files)}"


def describe(variant: str | None, requirements: str | None, *, word: str = "variant ") -> str:
    """'variant gpu with requirements 3f2a…', saying what is not recorded or known."""
    who = f"{word}{variant}" if variant else "an unnamed variant"
    what = f"requirements {short(requirements)}" if requirements else "unrecorded requirements"
    return f"{who} with {what}"


def recorded_stamp(data: bytes | None) -> Stamp | None:
    """What the stamp records, or None when it was not read or is not the format."""
    if data is None:
        return None
    try:
        return parse_stamp(data)
    except StampError:
        return None


def record_facts(host: Host, data: bytes | None) -> tuple[tuple[str, str], ...]:
    """The stamp's records beside this checkout's, when the stamp records anything."""
    recorded = recorded_stamp(data)
    if recorded is None or recorded.empty:
        return ()
    variant, variant_how = checkout_variant(host)
    digest, digest_how = requirements_hash(host)
    return (
        ("filled by", describe(recorded.variant, recorded.requirements)),
        ("this checkout's variant", f"{variant} ({variant_how})" if variant else variant_how),
        (
            "this checkout's requirements",
            f"{short(digest)} ({digest_how})" if digest else digest_how,
        ),
    )


def stamp_differs(host: Host, data: bytes | None) -> tuple[str, str, str] | None:
    """(the volume's, this checkout's, why it matters) when the stamp records another install.

    Only what both sides know is compared: an empty stamp (older courses), a stamp without a
    variant, or a checkout whose requirement files cannot be read compare nothing there.
    """
    recorded = recorded_stamp(data)
    if recorded is None or recorded.empty:
        return None
    variant, _ = checkout_variant(host)
    digest, _ = requirements_hash(host)
    reasons = []
    if recorded.variant and variant and recorded.variant != variant:
        reasons.append(
            f"The volume was filled for variant {recorded.variant}, so its packages are "
            f"{recorded.variant}'s (a frozen variant keeps the volume instead of refreshing it)."
        )
    if recorded.requirements and digest and recorded.requirements != digest:
        reasons.append(
            "The requirement files changed since: packages added or pinned differently are "
            "not in the volume until the install runs again."
        )
    if not reasons:
        return None
    return (
        describe(recorded.variant, recorded.requirements),
        describe(variant, digest, word=""),
        " ".join(reasons),
    )
