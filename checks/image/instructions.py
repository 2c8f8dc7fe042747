"""A Dockerfile as BuildKit reads it: pure functions over its text, never raising.

What it handles (moby/buildkit frontend/dockerfile/parser and the Dockerfile reference): the
`# escape=` directive (before any instruction), continuation lines (the escape character at a
line's end; comment and empty lines inside a continuation are skipped), heredocs
(`RUN <<EOF`, `<<-EOF` stripping tabs, quoted delimiters), the JSON (exec) form, ARG and ENV
substitution (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`, `${VAR-default}`,
`${VAR+alt}`), build args overriding ARG defaults, global ARGs (before the first FROM) seen
by FROM lines and by a stage only when it declares them again, multi-stage builds, and the
USER in effect at each instruction.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from devdoctor.lazy import LazyPattern

_DIRECTIVE = LazyPattern(r"^#\s*([A-Za-z]+)\s*=\s*(\S+)\s*$")
_HEREDOC = LazyPattern(r"<<(-?)(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE = LazyPattern(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_SUBSTITUTED = frozenset(
    {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME",
     "WORKDIR", "ONBUILD", "ARG"}
)
MAX_HEREDOC_LINES = 10_000


@dataclass(frozen=True)
class Instruction:
    """One instruction: where it is, its words, and what the build sees after substitution."""

    line: int
    end: int
    keyword: str
    text: str  # the arguments as written (continuations joined)
    expanded: str  # with ARG/ENV substituted where Docker substitutes (RUN: the shell does)
    flags: tuple[str, ...]  # --from=..., --chown=..., --mount=...
    args: tuple[str, ...]  # the words after the flags (decoded for the JSON form)
    json_form: bool
    heredocs: tuple[tuple[str, str], ...]  # (delimiter, body)
    stage: int
    user: str | None  # the USER in effect (None: the base image's)

    def flag(self, name: str) -> str | None:
        """The value of --name=value, or None."""
        for flag in self.flags:
            key, _, value = flag.partition("=")
            if key == f"--{name}":
                return value
        return None

    @property
    def shell(self) -> str:
        """What a RUN's shell runs: the command, then each heredoc body."""
        parts = [" ".join(self.args) if self.json_form else self.text]
        parts += [body for _, body in self.heredocs]
        return "\n".join(parts)


@dataclass(frozen=True)
class Stage:
    """One FROM: its base image (substituted), its name, where it starts."""

    index: int
    line: int
    image: str
    name: str | None
    platform: str | None


@dataclass
class Dockerfile:
    """A parsed Dockerfile: instructions in order, stages, and what could not be read."""

    instructions: list[Instruction] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    escape: str = "\\"

    def final_base(self) -> str | None:
        """The image the last stage starts from, following stage names."""
        if not self.stages:
            return None
        by_name = {s.name.lower(): s for s in self.stages if s.name}
        image = self.stages[-1].image
        for _ in range(len(self.stages)):
            stage = by_name.get(image.lower())
            if stage is None:
                break
            image = stage.image
        return image

    def stage_of(self, index: int) -> list[Instruction]:
        return [i for i in self.instructions if i.stage == index]


def substitute(text: str, env: Mapping[str, str]) -> str:
    """Docker's variable substitution; an unknown variable becomes empty, as in a build."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        op, word = match.group(2), match.group(3) or ""
        value = env.get(name)
        if op == ":-":
            return value if value else word
        if op == "-":
            return value if value is not None else word
        if op == ":+":
            return word if value else ""
        if op == "+":
            return word if value is not None else ""
        return value or ""

    return _VARIABLE.sub(replace, text)


def _physical(text: str) -> tuple[str, list[str]]:
    """The escape character from the directives, and the lines."""
    escape = "\\"
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
    return escape, lines


def _logical(
    lines: list[str], escape: str
) -> Iterator[tuple[int, int, str, list[tuple[str, str]]]]:
    """(first line, last line, instruction text, heredoc bodies as raw line lists)."""
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts: list[str] = []
        while True:
            body = line.rstrip()
            if body.endswith(escape) and not body.endswith(escape * 2):
                parts.append(body[:-1])
                i += 1
                while i < len(lines) and (
                    not lines[i].strip() or lines[i].strip().startswith("#")
                ):
                    i += 1
                if i >= len(lines):
                    break
                line = lines[i]
                continue
            parts.append(line)
            break
        text = "".join(parts).strip()
        i += 1
        bodies: list[tuple[str, str]] = []
        for match in _HEREDOC.finditer(text):
            strip_tabs, delimiter = match.group(1) == "-", match.group(3)
            collected: list[str] = []
            while i < len(lines) and len(collected) < MAX_HEREDOC_LINES:
                candidate = lines[i].lstrip("\t") if strip_tabs else lines[i]
                i += 1
                if candidate.strip() == delimiter:
                    break
                collected.append(candidate)
            bodies.append((delimiter, "\n".join(collected)))
        yield start + 1, i, text, bodies


def _split_flags(words: list[str]) -> tuple[list[str], list[str]]:
    flags: list[str] = []
    while words and words[0].startswith("--") and len(words[0]) > 2:
        flags.append(words.pop(0))
    return flags, words


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=True)
    except ValueError:
        return text.split()


def parse(text: str, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """Parse a Dockerfile; build_args override ARG defaults as `--build-arg` does."""
    given = dict(build_args or {})
    escape, lines = _physical(text)
    result = Dockerfile(escape=escape)
    global_args: dict[str, str] = {}
    env: dict[str, str] = {}
    stage = -1
    user: str | None = None
    users: dict[str, str | None] = {}
    for first, last, logical, bodies in _logical(lines, escape):
        keyword, _, rest = logical.partition(" ")
        keyword = keyword.upper()
        rest = rest.strip()
        if not keyword.isalpha():
            result.problems.append((first, f"not an instruction: {logical[:60]}"))
            continue
        scope = global_args if stage < 0 else env
        expanded = substitute(rest, scope) if keyword in _SUBSTITUTED and keyword != "ARG" else rest
        json_form = False
        args: list[str]
        flags: list[str]
        if keyword in ("RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME"):
            leading = re.match(r"((?:--\S+\s*)*)(.*)", rest, re.DOTALL)
            flags = leading.group(1).split() if leading else []
            tail = leading.group(2) if leading else rest
            parsed = _json_array(tail)
            if parsed is not None:
                json_form, args = True, parsed
            else:
                args = _words(substitute(tail, env) if keyword in _SUBSTITUTED else tail)
            if keyword in _SUBSTITUTED:
                flags = [substitute(f, env) for f in flags]
        else:
            flags, args = _split_flags(_words(expanded))
        if keyword == "FROM":
            stage += 1
            env = {}
            image = args[0] if args else ""
            name = args[2] if len(args) > 2 and args[1].upper() == "AS" else None
            platform = next(
                (f.partition("=")[2] for f in flags if f.startswith("--platform=")), None
            )
            user = users.get(image.lower())
            result.stages.append(Stage(stage, first, image, name, platform))
        elif keyword == "ARG":
            for word in _words(rest):
                name, eq, default = word.partition("=")
                if stage < 0:
                    global_args[name] = given.get(name, substitute(default, global_args))
                elif name in given:
                    env[name] = given[name]
                elif eq:
                    env[name] = substitute(default, env)
                elif name in global_args:
                    env[name] = global_args[name]
        elif keyword == "ENV" and stage >= 0:
            for name, value in _env_pairs(rest):
                env[name] = substitute(value, env)
        elif keyword == "USER" and args:
            user = args[0]
        if keyword != "FROM" and stage >= 0 and result.stages:
            named = result.stages[stage].name
            if named:
                users[named.lower()] = user
        if stage < 0 and keyword not in ("ARG",):
            result.problems.append((first, f"{keyword} before the first FROM"))
        result.instructions.append(
            Instruction(
                line=first,
                end=last,
                keyword=keyword,
                text=rest,
                expanded=expanded,
                flags=tuple(flags),
                args=tuple(args),
                json_form=json_form,
                heredocs=tuple(bodies),
                stage=stage,
                user=user,
            )
        )
    return result


def _json_array(text: str) -> list[str] | None:
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _env_pairs(text: str) -> list[tuple[str, str]]:
    """ENV a=b c=d, or the legacy ENV name value with spaces."""
    words = _words(text)
    if words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words if "=" in w]
