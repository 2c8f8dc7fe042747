"""nvidia-smi's output as captured on real H100 and H200 hosts, read exactly; any text is safe."""

from __future__ import annotations

import pytest
from devdoctor import Completed, MiB
from devdoctor.checks.gpu.smi import (
    BASIC_FIELDS,
    QUERY_FIELDS,
    Gpu,
    Unreadable,
    failure,
    first_line,
    parse_header,
    parse_list,
    parse_query,
    parse_version,
)
from devdoctor.checks.gpu.toolkit import parse_cdi_spec, parse_engine_info
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scenario.captured import GPU, H100, h100_answers, h200_answers

H100_UUID = "GPU-00000000-1111-2222-3333-444444444444"
H200_UUID = "GPU-ec0fe4cb-a050-e8ba-a083-96c9e73a3732"


def test_h100_query_with_header_and_units() -> None:
    text = (H100 / "nvidia-smi-query-csv.stdout").read_text()
    assert parse_query(text, QUERY_FIELDS) == [
        Gpu(0, "NVIDIA H100 80GB HBM3", "580.159.04", 81559 * MiB, "9.0")
    ]
    assert H100_UUID not in repr(parse_query(text, QUERY_FIELDS))


def test_h100_noheader_nounits() -> None:
    text = (H100 / "nvidia-smi-query-noheader.stdout").read_text()
    fields = ("name", "driver_version", "memory.total")
    assert parse_query(text, fields) == [
        Gpu(None, "NVIDIA H100 80GB HBM3", "580.159.04", 81559 * MiB)
    ]


@pytest.mark.parametrize(
    ("command", "fields"),
    [
        (
            "--query-gpu=name,driver_version,memory.total --format=csv",
            ("name", "driver_version", "memory.total"),
        ),
        (
            "--query-gpu=name,driver_version,memory.total --format=csv,noheader",
            ("name", "driver_version", "memory.total"),
        ),
        (
            "--query-gpu=index,uuid,name,driver_version,memory.total,memory.used,compute_cap "
            "--format=csv,noheader,nounits",
            ("index", "uuid", "name", "driver_version", "memory.total", "memory.used", "compute_cap"),
        ),
    ],
)
def test_h200_every_captured_form(command: str, fields: tuple[str, ...]) -> None:
    answer = h200_answers()[command]
    assert answer.rc == 0
    (gpu,) = parse_query(answer.stdout.decode(), fields)  # type: ignore[misc]
    assert (gpu.name, gpu.driver_version, gpu.memory_bytes) == (
        "NVIDIA H200",
        "580.159.04",
        143771 * MiB,
    )
    assert H200_UUID not in repr(gpu)


def test_several_gpus_keep_their_order() -> None:
    # Two rows in the H100 capture's exact format (the second one's index and memory changed).
    text = (H100 / "nvidia-smi-query-csv.stdout").read_text()
    header, row = text.splitlines()
    second = row.replace("0, NVIDIA", "1, NVIDIA", 1).replace("81559 MiB, 0 MiB", "81559 MiB, 17 MiB")
    gpus = parse_query(f"{header}\n{row}\n{second}\n", QUERY_FIELDS)
    assert [g.index for g in gpus] == [0, 1]  # type: ignore[union-attr]


def test_the_header_must_name_what_was_asked() -> None:
    text = (H100 / "nvidia-smi-query-csv.stdout").read_text()
    found = parse_query(text, BASIC_FIELDS)
    assert isinstance(found, Unreadable)
    assert "fields where 4 were asked for" in found.reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "index, name\n",
        "0, , 580.1, 1 MiB, 0 MiB, 9.0, x, y\n",
        "zero, H100, u, 580, 1 MiB, 0 MiB, 9.0, b\n",
        "0, H100, u, 580, lots, 0 MiB, 9.0, b\n",
        "0, H100, u, 580, 12 PiB, 0 MiB, 9.0, b\n",
    ],
)
def test_unreadable_answers_say_why(text: str) -> None:
    assert isinstance(parse_query(text, QUERY_FIELDS), Unreadable)


def test_not_available_values_are_none() -> None:
    row = "0, NVIDIA T4, GPU-x, 535.104.05, [N/A], 0 MiB, [Not Supported], 0000:00:04.0"
    (gpu,) = parse_query(row, QUERY_FIELDS)  # type: ignore[misc]
    assert (gpu.memory_bytes, gpu.compute_cap) == (None, None)


def test_list_drops_uuids() -> None:
    gpus = parse_list((H100 / "nvidia-smi-L.stdout").read_text())
    assert gpus == [Gpu(0, "NVIDIA H100 80GB HBM3")]
    assert parse_list(h200_answers()["-L"].stdout.decode()) == [Gpu(0, "NVIDIA H200")]


def test_versions_from_version_and_from_the_table() -> None:
    assert parse_version((H100 / "nvidia-smi-version.stdout").read_text()) == {
        "nvidia-smi version": "580.159.04",
        "nvml version": "580.159",
        "driver version": "580.159.04",
        "cuda version": "13.0",
    }
    assert parse_header(h200_answers()[""].stdout.decode()) == {
        "driver version": "580.159.04",
        "cuda version": "13.0",
    }


@pytest.mark.parametrize(
    ("args", "slug"),
    [
        ("--query-gpu=name --format=csv -i 99", "no-devices"),
        ("--query-gpu=not.a.field --format=csv", "bad-argument"),
    ],
)
def test_real_failures_are_named(args: str, slug: str) -> None:
    answer = h100_answers()[args]
    done = Completed(("nvidia-smi",), answer.rc, answer.stdout, answer.stderr)
    assert failure(done).slug == slug


def test_driver_not_loaded_by_text_or_code() -> None:
    said = (GPU / "failures/no-communication.stdout").read_bytes()
    by_text = failure(Completed(("nvidia-smi",), 255, said))
    assert by_text.slug == "no-communication"
    assert "kernel module" in by_text.detail
    assert failure(Completed(("nvidia-smi",), 9)).slug == "no-communication"
    stuck = failure(Completed(("nvidia-smi",), None, timed_out=True, seconds=6))
    assert stuck.slug == "timeout"


def test_first_line_never_carries_a_uuid() -> None:
    assert H100_UUID not in first_line((H100 / "nvidia-smi-L.stdout").read_text())


def test_engine_json_samples() -> None:
    pretty = parse_engine_info((GPU / "docker/docker-info.docker-cli-testdata-with-devices.json").read_text())
    assert pretty.answered and pretty.cdi_dirs == ("/etc/cdi", "/var/run/cdi")
    assert "nvidia.com/gpu=gpu0" in pretty.cdi_devices
    down = parse_engine_info(
        (GPU / "docker/docker-info.no-daemon.stdout").read_text(), "Cannot connect"
    )
    assert (down.answered, down.problem) == (False, "Cannot connect")


def test_cdi_spec_shapes() -> None:
    spec = parse_cdi_spec((GPU / "cdi/nvidia.yaml").read_text(), "/etc/cdi/nvidia.yaml")
    assert spec is not None and spec.qualified == ["nvidia.com/gpu=0", "nvidia.com/gpu=all"]
    sorted_keys = "cdiVersion: 0.5.0\ndevices:\n- containerEdits:\n    deviceNodes:\n    - path: /dev/nvidia0\n  name: gpu0\nkind: nvidia.com/gpu\n"
    spec = parse_cdi_spec(sorted_keys, "/var/run/cdi/nvidia.yaml")
    assert spec is not None and spec.qualified == ["nvidia.com/gpu=gpu0"]
    as_json = '{"cdiVersion": "0.6.0", "kind": "nvidia.com/gpu", "devices": [{"name": "all"}]}'
    assert parse_cdi_spec(as_json, "/etc/cdi/x.json").devices == ("all",)  # type: ignore[union-attr]
    assert parse_cdi_spec("not: a spec\n", "/etc/cdi/x.yaml") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from([QUERY_FIELDS, BASIC_FIELDS, ("name",)]))
def test_any_text_gives_gpus_or_unreadable(text: str, fields: tuple[str, ...]) -> None:
    found = parse_query(text, fields)
    assert isinstance(found, (list, Unreadable))
    if isinstance(found, list):
        assert all(isinstance(g, Gpu) and g.name for g in found)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["0", "NVIDIA H100", "GPU-x", "580.1", "81559 MiB", "[N/A]", "9.0"]),
            st.text(max_size=12),
        ),
        min_size=1,
        max_size=9,
    )
)
def test_csv_like_rows_never_raise(cells: list[str]) -> None:
    header = ", ".join(QUERY_FIELDS)
    found = parse_query(f"{header}\n{', '.join(cells)}\n", QUERY_FIELDS)
    assert isinstance(found, (list, Unreadable))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_other_parsers_never_raise(text: str) -> None:
    assert isinstance(parse_list(text), list)
    assert isinstance(parse_version(text), dict)
    assert isinstance(parse_header(text), dict)
    parse_engine_info(text)
    parse_cdi_spec(text, "/etc/cdi/a.yaml")
    parse_cdi_spec(text, "/etc/cdi/a.json")
