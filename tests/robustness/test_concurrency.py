"""Two builds into one repository, and serve reading while a build publishes.

A second build waits for the first one's lock (announcing it), or gives up after --lock-timeout
with a message; it never interleaves with the first. The first build holds the lock until the test
releases it (a file), so no timing of the machine decides the order. `serve` snapshots each model from one open
directory, so a model published while it is being read is served wholly old or wholly new.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time

import pytest

from tests.conftest import EXAMPLES, tree
from tests.robustness.test_kill_publish import MODELS, Build, check_repository, write_spec
from trtrepo.build import build_one_model
from trtrepo.fsutil import staging_area
from trtrepo.repository import PLAN_FILE, PROGRAM_FILE, RECORD_FILE, publish, read_config
from trtrepo.serve.derived import SNAPSHOT_DIR, derive_repository, snapshot_model
from trtrepo.spec import load_project


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


HELD_SOURCE = """
import time
from pathlib import Path

from models.mlp import build as mlp

HERE = Path(__file__).parent


def build(**args):
    # Under the repository lock: say so, then hold it until the test releases this build.
    (HERE / "holding").write_text("")
    deadline = time.monotonic() + 300
    while not (HERE / "release").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the test never released the first build (no 'release' file within 300 s)")
        time.sleep(0.02)
    return mlp(**args)
"""


def wait_for_file(path, build: Build, timeout: float = 120) -> None:
    """Wait until ``path`` exists; fail if ``build`` ends first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert build.process.poll() is None, f"the build ended before {path.name!r} appeared:\n{build.stderr_text}"
        assert time.monotonic() < deadline, f"{path.name!r} did not appear within {timeout} s:\n{build.stderr_text}"
        time.sleep(0.02)


def test_second_build_waits_for_the_first_and_a_third_gives_up(project, tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    second_folder = tmp_path / "second"
    shutil.copytree(project, second_folder)
    write_spec(second_folder, 2)
    write_spec(project, 1)
    (project / "held.py").write_text(HELD_SOURCE)
    spec = project / "models.yaml"
    spec.write_text(spec.read_text().replace("source: models.mlp:build", "source: held:build", 1))
    first = Build(project, repo, cache)
    wait_for_file(project / "holding", first)  # the first build holds the lock until released below
    second = Build(second_folder, repo, cache)
    impatient = Build(second_folder, repo, cache, "--lock-timeout", "0.5")

    code, events = impatient.finish()
    assert code == 2
    assert any(e["stage"] == "lock" and "waiting for another build" in e["detail"] for e in events), events
    assert "is locked by another trtrepo build; waited 0.5 s" in impatient.stderr_text
    assert first.process.poll() is None, "the impatient build gave up while the first one still ran"
    assert second.wait_for("lock"), f"the second build ended without waiting for the lock:\n{second.stderr_text}"
    assert first.process.poll() is None, "the first build ended before it was released"
    (project / "release").write_text("")

    first_code, first_events = first.finish()
    second_code, second_events = second.finish()
    assert first_code == 0 and second_code == 0
    assert second_events[0]["stage"] == "lock" and "waiting for another build" in second_events[0]["detail"]
    first_done = max(e["clock"] for e in first_events if e["stage"] == "done")
    second_work = min(e["clock"] for e in second_events if e["stage"] != "lock")
    assert second_work > first_done - 0.05, "the second build started working before the first had published"
    check_repository(repo, {name: {2} for name in MODELS})


def test_lock_failure_leaves_repository_untouched(cli, project, tmp_path):
    from trtrepo.fsutil import repository_lock

    repo = tmp_path / "repo"
    write_spec(project, 1)
    assert cli("build", project / "models.yaml", "--repo", repo, "--cache-dir", tmp_path / "cache").exit_code == 0
    before = tree(repo)
    write_spec(project, 2)
    with repository_lock(repo, timeout=5):
        result = cli("build", project / "models.yaml", "--repo", repo, "--lock-timeout", "0.3",
                     "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: {repo} is locked by another trtrepo build; waited 0.3 s" in result.output
    assert tree(repo) == before


# ---- serve reads while build publishes -------------------------------------------------------------
@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """The same model built twice with different weights: two complete BuiltModels to publish in turn."""
    folder = tmp_path_factory.mktemp("versions") / "project"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    built = []
    for seed in (1, 2):
        write_spec(folder, seed)
        spec = load_project(folder / "models.yaml").select(["mlp"])[0]
        built.append(build_one_model(spec))
    assert built[0].record["plan_sha256"] != built[1].record["plan_sha256"]
    return built


def assert_consistent(snapshot, versions):
    """One version's files, all of them: record, plan, program and config belong together."""
    record = json.loads((snapshot / RECORD_FILE).read_text())
    plan = (snapshot / str(record["version"]) / PLAN_FILE).read_bytes()
    program = (snapshot / PROGRAM_FILE).read_bytes()
    assert hashlib.sha256(plan).hexdigest() == record["plan_sha256"], "plan from another version than the record"
    assert hashlib.sha256(program).hexdigest() == record["hashes"]["program"], "program from another version"
    built = {b.record["plan_sha256"]: b for b in versions}[record["plan_sha256"]]
    assert (snapshot / "config.pbtxt").read_text() == built.config_text
    assert sorted(p.name for p in snapshot.iterdir()) == sorted(["1", "config.pbtxt", PROGRAM_FILE, RECORD_FILE])
    return record["spec"]["args"]["seed"]


def test_serve_snapshots_one_version_while_a_build_publishes(two_versions, tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    with staging_area(repo, cache) as area:
        publish(repo, two_versions[0], staging=area)
    stop = threading.Event()
    published = [0]

    failure: list[BaseException] = []

    def publish_in_a_loop():
        try:
            with staging_area(repo, cache) as area:
                while not stop.is_set():
                    publish(repo, two_versions[published[0] % 2], staging=area)
                    published[0] += 1
        except BaseException as exc:  # shown by the reader's assertion
            failure.append(exc)
            raise

    publisher = threading.Thread(target=publish_in_a_loop)
    publisher.start()
    seen = set()
    try:
        # Read for at least 4 s and until both versions were seen; at most 120 s.
        started = time.monotonic()
        while time.monotonic() < started + 4 or len(seen) < 2:
            assert publisher.is_alive(), f"the publisher stopped after {published[0]} publishes: {failure}"
            assert time.monotonic() < started + 120, \
                f"serve saw only versions {seen} in 120 s while {published[0]} publishes ran"
            seen.add(assert_consistent(snapshot_model(repo / "mlp", tmp_path / "snapshot"), two_versions))
        for _ in range(3):  # the whole derived repository too: its config names the snapshot it serves
            derive_repository(repo, tmp_path / "derived", "reference")
            served = read_config(tmp_path / "derived" / "mlp").parameters["trtrepo_source_model_dir"].string_value
            assert served == str((tmp_path / "derived" / "mlp" / SNAPSHOT_DIR).resolve())
            assert_consistent(tmp_path / "derived" / "mlp" / SNAPSHOT_DIR, two_versions)
    finally:
        stop.set()
        publisher.join(60)
    assert not publisher.is_alive(), "the publisher did not stop within 60 s of being told to"
    assert not failure, failure
    assert seen == {1, 2} and published[0] > 20, (seen, published)
