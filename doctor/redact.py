"""Redaction of everything devdoctor shows.

Students paste devdoctor's reports into a public course forum, so every line it
prints goes through a `Redactor` first.  The home directory becomes ``~`` (a
Windows profile ``%UserProfile%``); the identities devdoctor collected (user,
host, git name and e-mail, Windows profile name) become placeholders; e-mail
addresses, tokens, keys, GPU UUIDs, serial numbers, IP and MAC addresses are
replaced whatever the identities.  Versions, check ids, sizes, digests, docker
ids and timestamps are kept: they are what a helper on the forum needs.

Quantifiers are bounded, except a value's trailing run of one character class,
which cannot backtrack and must not be cut in two (the cut-off tail would be
redacted again on a second pass).  Every pattern whose repetition can fail late
starts with a look-behind that pins it to the start of a run, so the work stays
linear in the length of the text.  Applying a redactor twice changes nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .lazy import LazyPattern

__all__ = ["OWN_WORDS", "PLACEHOLDERS", "Identity", "Redactor"]

PLACEHOLDERS: dict[str, str] = {
    "user": "<user>",
    "host": "<host>",
    "git-name": "<name>",
    "git-email": "<email>",
    "windows-user": "<user>",
}

# Words an identity may equal without being replaced everywhere: words devdoctor
# prints itself (a user called "docker" must not wipe "docker" from the report),
# generic account and machine names that identify nobody, and the words inside
# the placeholders, so that redacting twice changes nothing.  Such identities
# are still replaced inside paths and user@host forms.
OWN_WORDS: frozenset[str] = frozenset(
    """
    docker desktop docker-desktop desktop-linux engine compose container containers
    devcontainer devcontainers image images volume volumes network proxy runtime
    ubuntu debian fedora alpine centos arch linux kernel windows microsoft macos darwin
    wsl wsl2 wslg home user users root admin administrator guest student course
    vscode code codespace codespaces node runner developer test
    check checks pass fail warn info skip error fixed
    python local localhost default memory swap disk nvidia cuda driver
    host name email token serial uuid private key userprofile redacted
    git github gitlab devdoctor doctor
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_Replacement = str | Callable[[re.Match[str]], str]

# A path separator: "/" or "\", also JSON-escaped "\\".
_SEP = r"(?:\\\\|[\\/])"

_PEM_BEGIN = LazyPattern(r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = LazyPattern(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")

# scheme://userinfo@host: the userinfo goes, scheme and host stay.
_URL_USERINFO = LazyPattern(
    r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,20}://)([^\s/@<>\"']{1,512})@"
)

# user:password@host with the scheme already dropped (a parsed URL's netloc, "nothing is at
# user:pass@10.0.0.5:2376"): the pair is a credential wherever it shows.
_BARE_USERINFO = LazyPattern(
    r"(?<![A-Za-z0-9._%+:/@<>-])[A-Za-z0-9._%+-]{1,64}:[^\s/@<>\"':]{1,512}@(?=[A-Za-z0-9\[<])"
)

_TOKEN = LazyPattern(
    r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,4096}"
    r"|github_pat_[A-Za-z0-9_]{20,4096}"
    r"|glpat-[A-Za-z0-9_-]{20,4096}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,4096}"
    r"|(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
    r"|hf_[A-Za-z0-9]{30,4096}"
    r"|npm_[A-Za-z0-9]{36,4096})"
    r"|(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{20,4096}"
    r"|(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{0,4096}"
)

_AUTHORIZATION = LazyPattern(
    r"(?i)(?<![A-Za-z0-9])(authorization[\"']?[ \t]{0,16}[:=][ \t]{0,16}[\"']?"
    r"(?:(?:bearer|basic|token|digest)[ \t]{1,16})?)([^\s\"',;]+)"
)
_BEARER = LazyPattern(r"(?i)(?<![A-Za-z0-9])(bearer[ \t]{1,16})[A-Za-z0-9._~+/=-]{16,}")

# key=value and "key": "value" for secret-looking keys; GITHUB_TOKEN matches via TOKEN.
_ASSIGNMENT = LazyPattern(
    r"(?i)(?<![A-Za-z0-9])((?:password|passwd|passphrase|secret|token|auth"
    r"|api[_-]?key|access[_-]?key|private[_-]?key)[\"']?[ \t]{0,16}[:=][ \t]{0,16}[\"']?)"
    r"([^\s\"',;&]+)"
)
_NOT_A_SECRET = frozenset({"null", "none", "true", "false", "n/a", "<token>"})

_EMAIL = LazyPattern(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64})@"
    r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)

# Hardware identifiers are redacted by their label; an unlabelled UUID is kept,
# because docker's volume, network and engine ids must survive.
_SERIAL_LABEL = (
    r"(?<![A-Za-z0-9])(?:serial(?:[ _-]?(?:number|num|no\.?))?|machine[ _-]?id"
    r"|(?:hardware|platform|system|product|cluster)[ _-]?uuid|fabric[ _-]?guid"
    r"|(?:gpu[ _-]?)?pdi|ioplatform(?:serialnumber|uuid))"
)
_SERIAL = LazyPattern(
    rf"(?i)({_SERIAL_LABEL}(?:[ \t]{{0,4}}\([A-Za-z ]{{1,30}}\))?"
    r"[\"']?[ \t]{0,100}[:=][ \t]{0,100}[\"']?)([^\s\"',;<]+)"
)
_SERIAL_TAG = LazyPattern(_SERIAL_LABEL + r"(?![A-Za-z0-9])", re.IGNORECASE)
_XML_ELEMENT = LazyPattern(r"<([A-Za-z_]{1,60})>([^<\s]+)(?=</)")  # nvidia-smi -q -x
_NO_SERIAL = frozenset({"n/a", "[n/a]", "none", "not", "unknown", "0"})

_GPU_UUID = LazyPattern(
    r"(?i)(GPU|MIG)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)

_MAC = LazyPattern(
    r"(?<![0-9A-Za-z_:-])[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"(?![0-9A-Za-z_:-])"
)
_NOBODYS_MACS = frozenset({"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"})

_H = r"[0-9A-Fa-f]{1,4}"
# Full form (8 groups) or compressed with "::"; times like 12:30:45 have neither.
_H6 = rf"{_H}(?::{_H}){{0,6}}"
_IPV6 = LazyPattern(
    rf"(?<![0-9A-Za-z_:.])(?:(?:{_H}:){{7}}{_H}|(?:{_H6})?::(?:{_H6})?)(?![0-9A-Za-z_:]|\.[0-9])"
)

# IPv4 boundary rule: four decimal octets 0-255 without leading zeros, not
# preceded by a letter, digit, "_", ".", "-", "+" or "~" and not followed by one
# of those except a "." that ends the sentence.  So "v1.2.3.4", "1.2.3.4.5",
# "5.15.153.1-microsoft-standard-WSL2", "1.2.3.4+cu121" and "580.159.04" stay.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_NOBODYS_IPV4 = frozenset({"0.0.0.0", "1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9"})
_IPV4 = LazyPattern(
    rf"(?<![0-9A-Za-z_.+~-]){_OCTET}(?:\.{_OCTET}){{3}}(?![0-9A-Za-z_+~-]|\.[0-9A-Za-z_])"
)

# "home/" or "Users/" right before a weak identity makes it a profile directory.
_PROFILE_DIR_BEFORE = LazyPattern(r"(?i)(?<![\w.-])(?:home|users)" + _SEP + r"\Z")
_LAST_COMPONENT = LazyPattern(r"[^\\/]{1,4096}\Z")
_DRIVE = LazyPattern(r"(?i)\A(?:([a-z]):|/mnt/([a-z])(?=/))")
_UNC_WSL = LazyPattern(r"(?i)\A(?:\\\\|//)wsl(?:\.localhost|\$)[\\/][^\\/]{1,64}(?=[\\/])")


def _url_userinfo(m: re.Match[str]) -> str:
    """A password or token in a URL is a secret; a bare user name is a user."""
    info = m.group(2)
    if ":" in info or _TOKEN.search(info):
        return f"{m.group(1)}<token>@"
    return m.group(0) if info.lower() == "git" else f"{m.group(1)}<user>@"


def _assignment(m: re.Match[str]) -> str:
    """References like ${TOKEN} and %TOKEN% are not secrets and help the reader."""
    value = m.group(2)
    if value[0] in "$%{[*(" or value.lower() in _NOT_A_SECRET:
        return m.group(0)
    return f"{m.group(1)}<token>"


def _email(m: re.Match[str]) -> str:
    """git@github.com is an ssh remote, not somebody's address."""
    return m.group(0) if m.group(1).lower() == "git" else "<email>"


def _serial(m: re.Match[str]) -> str:
    return m.group(0) if m.group(2).lower() in _NO_SERIAL else f"{m.group(1)}<serial>"


def _serial_element(m: re.Match[str]) -> str:
    if _SERIAL_TAG.search(m.group(1)) is None or m.group(2).lower() in _NO_SERIAL:
        return m.group(0)
    return f"<{m.group(1)}><serial>"


def _gpu_uuid(m: re.Match[str]) -> str:
    return f"{m.group(1).upper()}-<uuid>"


def _mac(m: re.Match[str]) -> str:
    """All-zero and broadcast MACs identify nobody."""
    return m.group(0) if m.group(0).replace("-", ":").lower() in _NOBODYS_MACS else "<mac>"


def _ipv6(m: re.Match[str]) -> str:
    """Two groups or fewer ("::1", "fe80::1") are loopback-like or no address at all."""
    text = m.group(0)
    groups = [g for g in text.split(":") if g]
    return "<ip>" if "::" not in text or 3 <= len(groups) <= 7 else text


def _ipv4(m: re.Match[str]) -> str:
    """Loopback, 0.0.0.0, netmasks and public DNS servers identify nobody and help the reader."""
    text = m.group(0)
    keep = text.startswith(("127.", "255.")) or text in _NOBODYS_IPV4
    return text if keep else "<ip>"


def _redact_private_keys(text: str) -> str:
    """A key cut off by truncated output is still a key: redact to the end."""
    if "-----BEGIN " not in text:  # what _PEM_BEGIN starts with: nothing to look for
        return text
    out: list[str] = []
    pos = 0
    while (begin := _PEM_BEGIN.search(text, pos)) is not None:
        out.append(text[pos : begin.start()])
        out.append("<private key>")
        end = _PEM_END.search(text, begin.end())
        pos = len(text) if end is None else end.end()
    out.append(text[pos:])
    return "".join(out)


_MAX_PASSES = 4

_ALWAYS: tuple[tuple[LazyPattern[str], _Replacement, tuple[str, ...]], ...] = (
    # pattern, replacement, and text a match cannot do without (one of them; none: always
    # run). Only punctuation and case-sensitive literals: under (?i) a letter also matches
    # look-alikes (the long s, the dotless i), which a plain `in` would not see.
    (_URL_USERINFO, _url_userinfo, ("@",)),
    (_BARE_USERINFO, "<token>@", ("@",)),
    (_TOKEN, "<token>", ("_", "-", "AKIA", "ASIA", "eyJ")),
    (_AUTHORIZATION, _assignment, (":", "=")),
    (_BEARER, r"\1<token>", ()),
    (_ASSIGNMENT, _assignment, (":", "=")),
    (_EMAIL, _email, ("@",)),
    (_SERIAL, _serial, (":", "=")),
    (_XML_ELEMENT, _serial_element, ("</",)),
    (_GPU_UUID, _gpu_uuid, ("-",)),
    (_MAC, _mac, (":", "-")),
    (_IPV6, _ipv6, (":",)),
    (_IPV4, _ipv4, (".",)),
)


@functools.cache
def _always() -> tuple[tuple[re.Pattern[str], _Replacement, tuple[str, ...]], ...]:
    """_ALWAYS compiled, the first time anything is redacted: every line devdoctor prints
    goes through each of them, so they are called as compiled patterns, not through
    LazyPattern."""
    return tuple((pattern.compiled, replacement, needs) for pattern, replacement, needs in _ALWAYS)


@dataclass(frozen=True)
class Identity:
    """Something devdoctor collected that names the student or the machine."""

    value: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in PLACEHOLDERS:
            raise ValueError(f"unknown identity kind {self.kind!r}")

    @property
    def placeholder(self) -> str:
        return PLACEHOLDERS[self.kind]

    @property
    def strong(self) -> bool:
        """Long, with a letter, and not a word devdoctor prints: safe to replace everywhere."""
        value = self.value.strip()
        return (
            len(value) >= 4 and any(c.isalpha() for c in value) and value.lower() not in OWN_WORDS
        )


def _path_pattern(components: list[str]) -> str:
    return _SEP.join(re.escape(c) for c in components)


def _home_forms(home: str) -> list[tuple[str, bool, str]]:
    """(pattern, case-insensitive, replacement) for each way a home shows up in text.

    A replacement of "" means: keep the path, replace its last component with <user>.
    """
    home = home.strip()
    unc = _UNC_WSL.match(home)
    if unc is not None:  # \\wsl$\Ubuntu\home\alice is the Linux home /home/alice
        home = "/" + home[unc.end() :].lstrip("\\/")
    parts = [p for p in re.split(r"[\\/]+", home) if p]
    drive = _DRIVE.match(home)
    if drive is not None:
        letter = (drive.group(1) or drive.group(2)).lower()
        rest = parts[1:] if drive.group(1) else parts[2:]
        if not rest:
            return []
        return [
            (f"{letter}:{_SEP}{_path_pattern(rest)}", True, "%UserProfile%"),
            (f"/mnt/{letter}/{_path_pattern(rest)}", True, ""),
        ]
    if not home.startswith("/") or not parts:
        return []
    unc_prefix = r"(?i:(?:\\\\){1,2}wsl(?:\.localhost|\$))" + _SEP + r"[^\\/\s]{1,64}" + _SEP
    return [
        ("/" + "/".join(re.escape(p) for p in parts), False, "~"),
        (unc_prefix + _path_pattern(parts), False, ""),
    ]


class Redactor:
    """Replaces what identifies a student or their machine; keeps what helps fix it."""

    def __init__(
        self,
        *,
        homes: Iterable[str] = (),
        identities: Iterable[Identity] = (),
        secrets: Iterable[str] = (),
    ) -> None:
        # Secrets devdoctor read itself (a password in DOCKER_HOST): replaced wherever they
        # show, whatever their length, as long as they cannot be one of devdoctor's words.
        known = sorted({v for v in secrets if len(v) >= 4 and v.lower() not in OWN_WORDS}, key=len)
        self._secrets = self._alternation(
            [re.escape(v) for v in reversed(known)], r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"
        )
        forms = sorted(
            (form for home in homes for form in _home_forms(home)),
            key=lambda form: len(form[0]),
            reverse=True,
        )
        self._home_replacements = [form[2] for form in forms]
        self._homes = self._alternation(
            [(f"(?i:{p})" if ci else p) for p, ci, _ in forms],
            r"(?<![\w.-])",
            r"(?![\w.-])",
        )
        idents: dict[str, Identity] = {}
        for ident in identities:
            value = ident.value.strip()
            if ident.kind == "host" and "." in value:
                short = Identity(value.split(".", 1)[0], "host")
                idents.setdefault(short.value.lower(), short)
            if value:
                idents.setdefault(value.lower(), Identity(value, ident.kind))
        ordered = sorted(idents.values(), key=lambda i: len(i.value), reverse=True)
        self._strong = [i.placeholder for i in ordered if i.strong]
        self._strong_re = self._alternation(
            [re.escape(i.value) for i in ordered if i.strong],
            r"(?i)(?<![A-Za-z0-9_])",
            r"(?![A-Za-z0-9_])",
        )
        self._weak = [i.placeholder for i in ordered if not i.strong]
        self._weak_re = self._alternation(
            [re.escape(i.value) for i in ordered if not i.strong],
            r"(?i)(?<![\w.+%-])",
            r"(?![\w.-])",
        )

    @staticmethod
    def _alternation(patterns: list[str], before: str, after: str) -> re.Pattern[str] | None:
        """One group per pattern, so match.lastindex says which one matched."""
        if not patterns:
            return None
        return re.compile(before + "(?:" + "|".join(f"({p})" for p in patterns) + ")" + after)

    @classmethod
    def nothing(cls) -> Redactor:
        """A redactor that knows no home and no identity: only the always-on classes."""
        return cls()

    def __call__(self, text: str) -> str:
        """Redact until nothing changes, so that redacting twice changes nothing.

        One pass almost always suffices; a second is needed when a placeholder frees a
        neighbour that the secret it replaced had hidden, as in "a@b.com+c@d.com".
        """
        for _ in range(_MAX_PASSES):
            redacted = self._pass(text)
            if redacted == text:
                break
            text = redacted
        return text

    def _pass(self, text: str) -> str:
        text = _redact_private_keys(text)
        if self._secrets is not None:
            text = self._secrets.sub("<token>", text)
        for pattern, replacement, needs in _always():
            if not needs or any(needed in text for needed in needs):
                text = pattern.sub(replacement, text)
        if self._homes is not None:
            text = self._homes.sub(self._home, text)
        if self._strong_re is not None:
            text = self._strong_re.sub(lambda m: self._strong[_index(m)], text)
        if self._weak_re is not None:
            text = self._weak_re.sub(self._weak_identity, text)
        return text

    def _home(self, m: re.Match[str]) -> str:
        replacement = self._home_replacements[_index(m)]
        return replacement or _LAST_COMPONENT.sub("<user>", m.group(0))

    def _weak_identity(self, m: re.Match[str]) -> str:
        """Short or common names are replaced only in /home/NAME, C:\\Users\\NAME, NAME@host."""
        s, start, end = m.string, m.start(), m.end()
        if (
            s[start - 1 : start] == "@"
            or s[end : end + 1] == "@"
            or _PROFILE_DIR_BEFORE.search(s[max(0, start - 10) : start])
        ):
            return self._weak[_index(m)]
        return m.group(0)


def _index(m: re.Match[str]) -> int:
    return (m.lastindex or 1) - 1
