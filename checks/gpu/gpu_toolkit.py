"""gpu-toolkit: Docker can hand the GPU to a container (runtime, CDI, the toolkit; --deep runs one).

A working driver is not enough: Docker needs the NVIDIA Container Toolkit (or Docker Desktop's
own WSL 2 support) to put the GPU into a container. No single sign is proof, so this check
lists what it found and, with `--deep`, starts a container from an image that is already here
(it never pulls) and reads Docker's own error when it fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from devdoctor import Check, Finding, Host, Platform, Status, evidence

from .docker_errors import explain_docker_error, gpu_flags, predict_docker_error
from .need import Need, gpu_need, optional_at_most_info
from .smi import first_line, parse_list
from .toolkit import Toolkit, toolkit

SMOKE_TIMEOUT = 60.0
INSTALL = (
    "Install the NVIDIA Container Toolkit (NVIDIA's install guide: "
    "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html), "
    "then `sudo nvidia-ctk runtime configure --runtime=docker` and `sudo systemctl restart docker`."
)


class GpuToolkit(Check):
    """Docker can give a container the GPU: the NVIDIA Container Toolkit, or Docker Desktop's.

    With Docker Engine on Linux (or inside WSL), containers get the GPU through the NVIDIA
    Container Toolkit: install it, run `sudo nvidia-ctk runtime configure --runtime=docker`,
    and restart Docker. CDI specs (`sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`)
    are the other way; /var/run/cdi is emptied at every boot. Docker Desktop on Windows brings
    its own GPU support for WSL 2 and needs only NVIDIA's Windows driver. `devdoctor check
    --deep` proves it by running `nvidia-smi -L` in a container from an image you already have.
    """

    id = "gpu-toolkit"
    needs_repository = True
    title = "GPU: containers can use it"
    needs = ("gpu-driver",)  # no driver: one cause, said once
    timeout = 90.0

    def skip_reason(self, host: Host) -> str | None:
        return gpu_need(host).skip

    def run(self, host: Host) -> Iterator[Finding]:
        need = gpu_need(host)
        yield from optional_at_most_info(self._look(host, need), need)

    def _look(self, host: Host, need: Need) -> Iterator[Finding]:
        facts = toolkit(host)
        engine = facts.engine
        shown = _evidence(facts)
        desktop_here = host.platform in (Platform.WSL, Platform.WINDOWS)
        predicted = predict_docker_error(host, need.run_args)
        flags = " ".join(f"{f}={v}" if v else f for f, v in gpu_flags(need.run_args))
        if engine.answered and engine.desktop:
            if not desktop_here:
                yield self.finding(
                    Status.FAIL,
                    "desktop-without-gpu",
                    "Docker Desktop on Linux gives containers no NVIDIA GPU",
                    evidence=shown,
                    detail="Docker Desktop supports GPUs only on Windows with the WSL 2 "
                    "engine. On Linux, use Docker Engine with the NVIDIA Container Toolkit. "
                    + INSTALL,
                )
            else:
                yield self.finding(
                    Status.OK,
                    "desktop",
                    "Docker Desktop's WSL 2 engine brings its own GPU support",
                    evidence=shown,
                    detail="It needs only NVIDIA's Windows driver (see gpu-driver). The nvidia "
                    "runtime it lists is not proof on its own: `devdoctor check --deep` runs a "
                    "container to be sure.",
                )
        elif engine.answered:
            yield from self._engine(host, facts, shown, need)
        else:
            yield from self._no_engine(facts, shown, desktop_here)
        if predicted and engine.answered and not _covered(predicted, facts):
            yield self.finding(
                Status.FAIL,
                "run-args-fail",
                f"docker run will fail for runArgs {flags}: {predicted}",
                evidence=shown,
                detail=(explain_docker_error(predicted) or ("", ""))[1],
            )
        if host.options.deep and engine.answered:
            yield from self._smoke(host, need)

    def _engine(
        self, host: Host, facts: Toolkit, shown: tuple[tuple[str, str], ...], need: Need
    ) -> Iterator[Finding]:
        engine = facts.engine
        ways = []
        runtime = dict(engine.runtimes).get("nvidia")
        if runtime is not None:
            ways.append(f"the nvidia runtime ({runtime or 'no path'})")
        hook = facts.tool("nvidia-container-runtime-hook")
        if hook:
            ways.append(f"--gpus ({hook})")
        devices = facts.cdi_devices
        if devices:
            ways.append(f"CDI ({', '.join(devices[:4])}{', ...' if len(devices) > 4 else ''})")
        if ways:
            yield self.finding(
                Status.OK,
                "ready",
                f"Docker can hand the GPU to containers through {' and '.join(ways)}",
                evidence=shown,
                detail="" if host.options.deep else "`devdoctor check --deep` runs a container "
                "to prove it.",
            )
        else:
            yield self.finding(
                Status.FAIL,
                "no-toolkit",
                "Docker cannot hand the GPU to containers: no NVIDIA Container Toolkit",
                evidence=shown,
                detail=f"`docker run --gpus all` fails with `{predict_error_gpus(host)}`. "
                + INSTALL,
            )
        registered = dict(facts.daemon_json.runtimes)
        if "nvidia" in registered and runtime is None:
            yield self.finding(
                Status.WARN,
                "restart-docker",
                f"{facts.daemon_json.path} registers the nvidia runtime, but the running "
                "engine does not list it",
                evidence=shown,
                detail="Docker reads daemon.json only when it starts: `sudo systemctl restart "
                "docker`.",
            )
        if facts.daemon_json.problem:
            yield self.finding(
                Status.WARN,
                "daemon-json",
                f"{facts.daemon_json.path}: {facts.daemon_json.problem}",
                evidence=shown,
                detail="dockerd refuses to start with a daemon.json it cannot read.",
            )
        volatile = [s for s in facts.nvidia_specs if "/run/cdi/" in s.path]
        lasting = [s for s in facts.nvidia_specs if "/run/cdi/" not in s.path]
        if volatile and not lasting and facts.refresh_unit is None:
            yield self.finding(
                Status.WARN,
                "cdi-lost-at-boot",
                f"the NVIDIA CDI spec is only in {volatile[0].path.rsplit('/', 1)[0]}, "
                "which is emptied at every boot",
                evidence=shown,
                detail="After the next restart `--device nvidia.com/gpu=all` fails with "
                "`unresolvable CDI devices nvidia.com/gpu=all`. Write the spec where it stays "
                "(`sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`), or enable the "
                "toolkit's nvidia-cdi-refresh service, which writes it again at every boot.",
            )
        if facts.nvidia_specs and engine.cdi_dirs is None:
            yield self.finding(
                Status.INFO,
                "cdi-off",
                "there are NVIDIA CDI specs, but this engine does not read CDI",
                evidence=shown,
                detail="`docker info` reports no CDI spec directories: this engine is older "
                'than CDI by default, or has it off. `"features": {"cdi": true}` in '
                "/etc/docker/daemon.json and a restart turn it on.",
            )
        if need.by_requirement and ways and "nvidia-container-runtime" not in (runtime or ""):
            yield self.finding(
                Status.WARN,
                "cli-misses-gpu",
                "the devcontainer CLI will start the container without the GPU: it looks only "
                "for the nvidia runtime",
                evidence=shown,
                detail="For hostRequirements.gpu the CLI adds `--gpus all` only when `docker "
                "info` lists an nvidia runtime whose path is nvidia-container-runtime; this "
                "engine gives GPUs another way. The course can add `\"runArgs\": [\"--gpus\", "
                "\"all\"]`, or register the runtime: `sudo nvidia-ctk runtime configure "
                "--runtime=docker` and restart Docker.",
            )

    def _no_engine(
        self, facts: Toolkit, shown: tuple[tuple[str, str], ...], desktop_here: bool
    ) -> Iterator[Finding]:
        problem = facts.engine.problem
        present = [name for name, _ in facts.tools]
        if "nvidia" in dict(facts.daemon_json.runtimes):
            present.append(f"nvidia runtime in {facts.daemon_json.path}")
        if facts.nvidia_specs:
            present.append("NVIDIA CDI specs")
        if present:
            yield self.finding(
                Status.WARN,
                "engine-unknown",
                f"the NVIDIA Container Toolkit is here ({', '.join(present)}), but no Docker "
                "engine answered, so whether containers get the GPU is unknown",
                evidence=shown,
                detail="See docker-daemon for why the engine did not answer.",
            )
        elif desktop_here:
            yield self.finding(
                Status.WARN,
                "engine-unknown",
                "no Docker engine answered; Docker Desktop brings its own GPU support once it "
                "runs with the WSL 2 engine",
                evidence=shown,
                detail="See docker-daemon for why the engine did not answer.",
            )
        else:
            yield self.finding(
                Status.FAIL,
                "no-toolkit",
                "no NVIDIA Container Toolkit and no Docker engine here: containers cannot get "
                "the GPU",
                evidence=shown,
                detail=f"The engine: {problem.rstrip('.')}. Install Docker Engine (see "
                "docker-daemon), then the toolkit. " + INSTALL,
            )

    # -- --deep: a real container ------------------------------------------------------------

    def _smoke(self, host: Host, need: Need) -> Iterator[Finding]:
        image = _local_image(host, need.image)
        if image is None:
            yield self.finding(
                Status.INFO,
                "smoke-no-image",
                "--deep: no image here to start a GPU container from (devdoctor never pulls)",
                detail="Pull the course's image (or an nvidia/cuda base image) and run "
                "`devdoctor check --deep --only gpu-toolkit` again.",
                evidence=evidence(course_image=need.image or "none named"),
            )
            return
        flags = [f"{f}={v}" for f, v in gpu_flags(need.run_args)] or ["--gpus=all"]
        argv = ["docker", "run", "--rm", "--pull=never", *flags]
        argv += ["--entrypoint", "nvidia-smi", image, "-L"]
        shown = " ".join(argv)
        done = host.run(argv, timeout=SMOKE_TIMEOUT)
        listed = parse_list(done.out) if done.ok else []
        if listed:
            yield self.finding(
                Status.OK,
                "smoke",
                f"a container sees the GPU: {', '.join(g.name for g in listed)}",
                evidence=evidence(ran=shown),
            )
            return
        said = first_line(done.err) or first_line(done.out) or done.describe()
        if done.timed_out:
            yield self.finding(
                Status.WARN,
                "smoke-timeout",
                f"--deep: the GPU container did not finish within {SMOKE_TIMEOUT:.0f} s",
                evidence=evidence(ran=shown),
            )
            return
        known = explain_docker_error(f"{done.err}\n{done.out}")
        yield self.finding(
            Status.FAIL if known else Status.WARN,
            f"smoke-{known[0]}" if known else "smoke-failed",
            f"--deep: a GPU container failed: {said}",
            evidence=evidence(ran=shown, exit=done.rc),
            detail=known[1] if known else "Docker's own words are above; the image may not be "
            "able to run nvidia-smi, which the toolkit mounts into containers that get the GPU.",
        )


def predict_error_gpus(host: Host) -> str:
    """What `--gpus all` prints here (the no-toolkit finding quotes it)."""
    return predict_docker_error(host, ["--gpus", "all"]) or "an error"


def _covered(predicted: str, facts: Toolkit) -> bool:
    """Whether the no-toolkit finding already says it (the same cause)."""
    return predicted.startswith("could not select device driver") and not facts.tool(
        "nvidia-container-runtime-hook"
    )


def _local_image(host: Host, wanted: str | None) -> str | None:
    """An image already here to try: the course's, else an NVIDIA CUDA one; never pulled."""
    done = host.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}"], timeout=10
    )
    if not done.ok:
        return None
    images = [line.strip() for line in done.out.splitlines() if line.strip()][:2000]
    if wanted:
        for name in (wanted, f"{wanted}:latest"):
            if name in images:
                return name
    for image in images:
        if image.startswith(("nvidia/cuda:", "nvcr.io/nvidia/")) and not image.endswith(":<none>"):
            return image
    return None


def _evidence(facts: Toolkit) -> tuple[tuple[str, str], ...]:
    engine = facts.engine
    about = (
        f"{engine.operating_system or 'Docker'} {engine.version}".strip()
        if engine.answered
        else f"did not answer ({engine.problem})"
    )
    specs = [f"{s.path} ({s.kind}: {', '.join(s.devices[:3])})" for s in facts.specs][:4]
    return evidence(
        engine=about,
        runtimes=", ".join(engine.runtime_names) if engine.answered else "unknown",
        CDI_devices=", ".join(engine.cdi_devices) or "none",
        CDI_specs="; ".join(specs) or "none in /etc/cdi, /var/run/cdi",
        toolkit=", ".join(f"{n} ({p})" for n, p in facts.tools) or "none found",
        **{
            "daemon.json": (
                ", ".join(f"runtime {n}" for n, _ in facts.daemon_json.runtimes) or "no runtimes"
            )
            if facts.daemon_json.exists
            else "none"
        },
    ) + (evidence(cdi_refresh=facts.refresh_unit) if facts.refresh_unit else ())

