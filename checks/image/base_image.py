"""What a base image reference says about the image: its Python, its distribution, its glibc.

Read from the reference alone (`python:3.11-slim-bookworm`,
`mcr.microsoft.com/devcontainers/python:1-3.12-bookworm`, `ubuntu:24.04`), so a student learns
it before any pull. Facts used:
- the official `python` images and Microsoft's `devcontainers/python` (built on them) install
  Python under /usr/local, which no distribution marks externally managed;
- the distributions' own python3: Debian 11 has 3.9, Debian 12 3.11, Debian 13 3.13, Ubuntu
  20.04 3.8, 22.04 3.10, 24.04 3.12; Debian 12, Debian 13 and Ubuntu 24.04 mark it externally
  managed (PEP 668: pip refuses with `externally-managed-environment`, `--user` too);
- glibc: Debian 11 2.31, 12 2.36, 13 2.41; Ubuntu 20.04 2.31, 22.04 2.35, 24.04 2.39 (the
  manylinux tag a wheel needs is at most the image's glibc).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# codename or number -> (name, python3, glibc, externally managed)
_DISTROS: dict[str, tuple[str, str, tuple[int, int], bool]] = {
    "bullseye": ("Debian 11", "3.9", (2, 31), False),
    "bookworm": ("Debian 12", "3.11", (2, 36), True),
    "trixie": ("Debian 13", "3.13", (2, 41), True),
    "focal": ("Ubuntu 20.04", "3.8", (2, 31), False),
    "jammy": ("Ubuntu 22.04", "3.10", (2, 35), False),
    "noble": ("Ubuntu 24.04", "3.12", (2, 39), True),
}
_NUMBERS = {
    "debian:11": "bullseye",
    "debian:12": "bookworm",
    "debian:13": "trixie",
    "ubuntu:20.04": "focal",
    "ubuntu:22.04": "jammy",
    "ubuntu:24.04": "noble",
}
_FLOATING = {"latest", "stable", "lts", "rolling", "current"}
DEFAULT_GLIBC = (2, 28)


@dataclass(frozen=True)
class BaseImage:
    """What the reference tells; None where it does not say."""

    ref: str
    repository: str
    tag: str | None
    digest: str | None
    python: str | None
    python_why: str
    distro: str | None
    glibc: tuple[int, int] | None
    python_is_system: bool  # the distribution's python3 (PEP 668 applies), not /usr/local's

    @property
    def externally_managed(self) -> bool | None:
        """Whether pip outside a virtual environment is refused (None: cannot tell)."""
        if not self.python_is_system:
            return False if self.python else None
        codename = next((c for c, d in _DISTROS.items() if d[0] == self.distro), None)
        return _DISTROS[codename][3] if codename else None

    @property
    def floating(self) -> str | None:
        """Why the tag can change under the course overnight, or None when it is fixed."""
        if self.digest:
            return None
        if self.tag is None:
            return "no tag (Docker takes :latest)"
        if self.tag in _FLOATING:
            return f":{self.tag} moves with every release"
        if self.repository.rsplit("/", 1)[-1] == "python" and re.fullmatch(r"3(-\w+)?", self.tag):
            return f":{self.tag} moves to each new Python 3 release"
        if re.fullmatch(r"\d+", self.tag) and self.repository.endswith("devcontainers/python"):
            return f":{self.tag} moves to each new image and Python release"
        return None


def split_ref(ref: str) -> tuple[str, str | None, str | None]:
    """repository, tag, digest of an image reference."""
    rest, _, digest = ref.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1 :] or None, digest or None
    return rest, None, digest or None


def read_base(ref: str) -> BaseImage:
    """Python version, distribution and glibc from an image reference, where it says them."""
    repository, tag, digest = split_ref(ref.strip())
    name = repository.rsplit("/", 1)[-1]
    words = re.split(r"[-_]", tag or "")
    codename = next((w for w in words if w in _DISTROS), None)
    if codename is None and name in ("debian", "ubuntu", "base"):
        for number, code in _NUMBERS.items():
            family, _, num = number.partition(":")
            if num in words and name in (family, "base"):
                codename = code
    distro, system_python, glibc, _ = _DISTROS[codename] if codename else (None, None, None, False)
    if name == "python":
        version = next((w for w in words if re.fullmatch(r"3\.\d+(\.\d+)?", w)), None)
        if version:
            minor = ".".join(version.split(".")[:2])
            return BaseImage(ref, repository, tag, digest, minor, f"the tag :{tag} names it",
                             distro, glibc, False)
        return BaseImage(ref, repository, tag, digest, None,
                         f"the tag {':' + tag if tag else '(none)'} does not name a Python "
                         "version", distro, glibc, False)
    if system_python:
        return BaseImage(ref, repository, tag, digest, system_python,
                         f"{distro}'s python3 (if the Dockerfile installs it)", distro, glibc,
                         True)
    return BaseImage(ref, repository, tag, digest, None,
                     f"{ref} does not say which Python it has", None, None, False)


def wheel_platforms(glibc: tuple[int, int] | None, machine: str) -> list[str]:
    """The manylinux platform tags pip accepts for this glibc, newest first: pip's
    --platform takes exact tags, so each one is named (down to manylinux_2_17 and the
    legacy manylinux2014/2010/1 aliases)."""
    arch = {"arm64": "aarch64", "amd64": "x86_64", "": "x86_64"}.get(machine, machine)
    major, minor = glibc or DEFAULT_GLIBC
    tags = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, 16, -1)]
    tags.append(f"manylinux2014_{arch}")
    if arch in ("x86_64", "i686"):
        tags += [f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    return tags
