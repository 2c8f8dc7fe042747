"""`devdoctor init` (staff): a commented `.devdoctor.toml` from what the repository holds.

The course area reads the repository (its `policy-draft` fact); this writes every section of
the policy, with what was found filled in and everything else as commented defaults, so staff
edit one file instead of reading the reference. An existing file is never overwritten.
"""

from __future__ import annotations

import json
from argparse import Namespace

from ..atomic import write_atomic
from ..exits import ExitCode
from ..host import Host
from ..policy import POLICY_FILE, load_policy
from ..ui import UI

# (section, key, default as TOML, what it means): the policy's reference, in the file's order
_REFERENCE = (
    ("course", "name", '"Course name"', "shown at the top of every report"),
    ("course", "forum_url", '"https://edstem.org/..."', "where students paste reports"),
    ("course", "min_devdoctor", '"0.1"', "older devdoctors are told to upgrade"),
    ("course", "default_variant", '"cpu"', "the configuration used when several exist"),
    ("wsl", "memory", '"8GB"', "the least memory WSL must give its VM"),
    ("wsl", "swap", '"8GB"', "the least swap"),
    ("docker", "memory", '"8GB"', "the least memory the engine must have"),
    ("docker", "disk_free", '"20GB"', "free disk where Docker keeps its data"),
    ("gpu", "required", '"auto"', '"auto" (when the chosen variant asks), true, false'),
    ("vscode", "min_extension", '"0.400.0"', "the least Dev Containers extension version"),
    ("volume", "name", '"vscode"', "the volume holding the user's home"),
    ("volume", "stamp", '".local/.course-installed"', "written last by the install script"),
    ("requirements", "files", '["requirements.txt"]', "replaces discovery when given"),
    ("checks", "skip", '["vscode"]', "checks this course does not want"),
)


def run(args: Namespace, host: Host, ui: UI) -> ExitCode:
    """Write the draft beside devcontainer.json's repository; refuse to replace a policy."""
    top = host.repo_root
    if top is None:
        ui.say("No course repository here: run `devdoctor init` inside it, or pass --repo.")
        return ExitCode.USAGE
    target = top / POLICY_FILE
    if target.exists() or target.is_symlink():
        ui.say(f"{POLICY_FILE} already exists in {top}: nothing written (edit it instead).")
        return ExitCode.NOT_APPLIED
    found = host.provided("policy-draft")
    text = render(found)
    load_policy_text_check(text)
    write_atomic(target, text.encode("utf-8"))
    if args.json:
        ui.stream.write(json.dumps({"path": str(target), "text": text}, indent=2) + "\n")
        return ExitCode.OK
    ui.say(f"Wrote {target}:")
    ui.say("")
    ui.say(text.rstrip("\n"))
    ui.say("")
    ui.say("Edit it, commit it, and students' devdoctor holds their machines to it.")
    return ExitCode.OK


def render(found: list[tuple[str, str, object, str]]) -> str:
    """The policy file: found values set (with where they came from), the rest commented."""
    values = {(section, key): (value, why) for section, key, value, why in found}
    lines = [
        "# devdoctor's policy for this course: what students' machines need.",
        "# Written by `devdoctor init` from what this repository holds; lines starting with #",
        "# are devdoctor's defaults, kept as a reference. Sizes are binary (8GB = 8 GiB).",
        "schema = 1",
    ]
    section = ""
    for name, key, default, meaning in _REFERENCE:
        if name != section:
            section = name
            lines += ["", f"[{name}]"]
        if (name, key) in values:
            value, why = values[(name, key)]
            lines.append(f"{key} = {json.dumps(value)}  # {meaning}; found: {why}")
        else:
            lines.append(f"# {key} = {default}  # {meaning}")
    lines += [
        "",
        "[help]",
        '# wsl-memory = "https://course.example/wsl"  # your page shown under a check\'s advice',
    ]
    return "\n".join(lines) + "\n"


def load_policy_text_check(text: str) -> None:
    """The draft must be a policy this devdoctor reads: a bug here is caught before writing."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / POLICY_FILE).write_text(text, encoding="utf-8")
        load_policy(Path(folder))
