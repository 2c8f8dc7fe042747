"""What a course repository already says about its needs, as a first policy file (`init`).

The framework's `devdoctor init` writes the file; this reads the repository: its variants,
the volume that keeps the user's home, its requirement files, whether a variant wants a GPU,
and the memory hostRequirements asks for. Each value comes with where it was found.
"""

from __future__ import annotations

from fnmatch import fnmatch

from devdoctor import Host
from devdoctor.sizes import format_size

from .configs import ConfigError, DevcontainerConfig, load
from .variant import configs

Entry = tuple[str, str, object, str]
"""(section, key, value, comment): one line of the draft and why it says so."""


def draft(host: Host) -> list[Entry]:
    """The policy entries this repository suggests, in the order the file shows them."""
    found = configs(host)
    pairs: list[tuple[str, DevcontainerConfig]] = []
    for file in found:
        try:
            pairs.append((file.variant, load(file, local_env=host.env)))
        except ConfigError:
            continue
    loaded = [config for _variant, config in pairs]
    entries: list[Entry] = []
    variants = [f.variant for f in found]
    if len(variants) > 1:
        default = "cpu" if "cpu" in variants else variants[0]
        entries.append(
            ("course", "default_variant", default, f"variants found: {', '.join(variants)}")
        )
    memories = [c.host_requirements.memory for c in loaded if c.host_requirements.memory]
    if memories:
        most = format_size(max(memories)).replace(" ", "").replace("GiB", "GB")
        why = "the largest hostRequirements.memory"
        entries += [("wsl", "memory", most, why), ("docker", "memory", most, why)]
    gpu = [variant for variant, config in pairs if config.wants_gpu is True]
    if gpu:
        entries.append(("gpu", "required", "auto", f"the {', '.join(gpu)} variant asks for a GPU"))
    for config in loaded:
        homes = [m for m in config.mounts if m.type == "volume" and m.source and "home" in m.target]
        if homes:
            entries.append(
                ("volume", "name", homes[0].source, f"mounted at {homes[0].target}")
            )
            break
    top = host.repo_root
    if top is not None:
        files = [
            f"{folder}{name}"
            for folder in ("", ".devcontainer/")
            for name in host.listdir(str(top / folder))
            if fnmatch(name, "requirements*.txt") and host.is_file(top / folder / name)
        ]
        if files:
            entries.append(("requirements", "files", files, "requirement files found"))
    return entries
