"""File safety: writes stay inside the repository and cache folders, links are never followed out,
saved programs never unpickle arbitrary objects, and a crash in the middle of a publish is undone.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from tests.conftest import EXAMPLES, ROOT, tree
from trtrepo import fsutil
from trtrepo.errors import ServeError
from trtrepo.fsutil import OLD_PREFIX, STAGING_PREFIX, publish_directory, remove_stale_staging
from trtrepo.serve.derived import MARKER_FILE, derive_repository
from trtrepo.sources import UnsafeProgramError, load_program
from trtrepo.spec import load_project

TINY = """
models:
  - name: tiny
    source: models.mlp:build
    args: {features: 4, hidden: 8, classes: 2}
    inputs: [{name: x, dtype: fp32, shape: [2, 4]}]
    outputs: [{name: y}]
"""


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "models.yaml").write_text(TINY)
    return folder


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder the tests point links at: nothing may change in it."""
    folder = tmp_path / "outside"
    (folder / "1").mkdir(parents=True)
    (folder / "1" / "model.plan").write_bytes(b"someone else's plan")
    (folder / "precious.txt").write_text("keep me")
    return folder


def snapshot(folder: Path) -> dict[str, object]:
    """Every path under ``folder`` with its kind and content (links as their target)."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_file():
            found[key] = path.read_bytes()
        else:
            found[key] = "dir"
    return found


def test_a_build_writes_only_into_the_repository_and_the_cache(project, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    before = snapshot(tmp_path)
    out = tmp_path / "chosen"
    command = [sys.executable, "-m", "trtrepo", "build", str(project / "models.yaml"), "--repo", str(out / "repo"),
               "--cache-dir", str(out / "cache"), "--check", "-q"]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("chosen")}
    assert after == before, "files appeared or changed outside --repo and --cache-dir (bytecode in the project?)"
    assert (out / "repo" / "tiny" / "1" / "model.plan").is_file()


def test_a_model_folder_that_is_a_link_is_refused(cli, project, outside, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "tiny").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    result = cli("build", project / "models.yaml", "--repo", repo, "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{repo / 'tiny'} is a symlink, and trtrepo never writes through links out of the repository" \
        in result.output
    assert snapshot(outside) == before
    assert (repo / "tiny").is_symlink()


def test_links_inside_a_model_folder_are_not_followed(cli, project, outside, tmp_path):
    """Kept versions are hard-linked from the old model folder: a linked version folder is not kept."""
    spec = project / "models.yaml"
    spec.write_text(TINY.replace("    source:", "    version_policy: increment\n    keep_versions: 3\n    source:"))
    repo = tmp_path / "repo"
    assert cli("build", spec, "--repo", repo, "--cache-dir", tmp_path / "cache").exit_code == 0
    (repo / "tiny" / "7").symlink_to(outside / "1", target_is_directory=True)
    (repo / "tiny" / "notes").symlink_to(outside / "precious.txt")
    before = snapshot(outside)
    assert cli("build", spec, "--repo", repo, "--cache-dir", tmp_path / "cache", "--force").exit_code == 0
    assert snapshot(outside) == before
    assert sorted(p.name for p in (repo / "tiny").iterdir()) == ["1", "2", "config.pbtxt", "program.pt2", "trtrepo.json"]
    assert not any(p.is_symlink() for p in (repo / "tiny").rglob("*"))


def test_stale_staging_links_are_not_followed(cli, project, outside, tmp_path):
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    repo.mkdir()
    (repo / f"{STAGING_PREFIX}tiny-12345678").symlink_to(outside, target_is_directory=True)
    area = fsutil.staging_area_path(repo, cache)
    area.mkdir(parents=True)
    (area / f"{STAGING_PREFIX}tiny-87654321").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    assert cli("build", project / "models.yaml", "--repo", repo, "--cache-dir", cache).exit_code == 0
    assert snapshot(outside) == before


def test_a_repository_path_through_a_file_is_a_message(cli, project, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = cli("build", project / "models.yaml", "--repo", tmp_path / "file" / "repo")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"error: {tmp_path / 'file' / 'repo'}: Not a directory" in result.output


def test_staging_happens_outside_the_repository(project, tmp_path, monkeypatch):
    """Triton takes every folder of a repository for a model: staging must not be one of them."""
    from trtrepo import repository
    from trtrepo.build import BuildOptions, build_project

    repo, cache = tmp_path / "repo", tmp_path / "cache"
    stages = []
    real = repository.staging_directory

    def spy(parent, label):
        stages.append(parent)
        return real(parent, label)

    monkeypatch.setattr(repository, "staging_directory", spy)
    report = build_project(load_project(project / "models.yaml").models, BuildOptions(repo, cache_dir=cache))
    assert report.exit_code == 0
    assert stages == [fsutil.staging_area_path(repo, cache)]
    assert sorted(p.name for p in repo.iterdir()) == ["tiny"] and not (cache / "staging").exists()


def test_a_publish_killed_between_two_renames_is_put_back(tmp_path, monkeypatch):
    """Without RENAME_EXCHANGE the old folder moves aside before the new one moves in: a crash in
    between leaves no model folder, and the next build's cleanup moves the old one back."""
    repo, area = tmp_path / "repo", tmp_path / "area"
    (repo / "m" / "1").mkdir(parents=True)
    (repo / "m" / "1" / "model.plan").write_bytes(b"old")
    stage = area / f"{STAGING_PREFIX}m-abcdef01"
    (stage / "1").mkdir(parents=True)
    (stage / "1" / "model.plan").write_bytes(b"new")
    monkeypatch.setattr(fsutil, "exchange", lambda a, b: False)
    renames = []
    real_rename = os.rename

    def crash_on_second(a, b):
        renames.append((a, b))
        if len(renames) == 2:
            raise KeyboardInterrupt("killed")
        real_rename(a, b)

    monkeypatch.setattr(fsutil.os, "rename", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        publish_directory(stage, repo / "m")
    monkeypatch.setattr(fsutil.os, "rename", real_rename)
    assert not (repo / "m").exists() and any(p.name.startswith(OLD_PREFIX + "m-") for p in area.iterdir())
    (area / f"{STAGING_PREFIX}old-z-00000000").mkdir()  # half-staged model 'old-z': removed, never published
    remove_stale_staging(area, repo)
    assert (repo / "m" / "1" / "model.plan").read_bytes() == b"old"
    assert sorted(p.name for p in area.iterdir()) == [] and sorted(p.name for p in repo.iterdir()) == ["m"]


# ---- serve's derived repository ------------------------------------------------------------------
def test_serve_never_deletes_a_folder_it_did_not_write(tmp_path):
    repo = tmp_path / "repo"
    (repo / "m").mkdir(parents=True)
    (repo / "m" / "config.pbtxt").write_text('name: "m"')
    for target in (repo, repo / "derived", tmp_path):
        with pytest.raises(ServeError, match="which overlaps the model repository"):
            derive_repository(repo, target, "reference")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("years of work")
    with pytest.raises(ServeError, match="was not written by `trtrepo serve`; refusing to delete it"):
        derive_repository(repo, foreign, "reference")
    assert (foreign / "thesis.tex").read_text() == "years of work"
    assert tree(repo) == {"m/config.pbtxt": b'name: "m"'}
    (foreign / MARKER_FILE).write_text("derived")
    with pytest.raises(ServeError, match="was not built by this trtrepo"):  # cleared, then the model is refused
        derive_repository(repo, foreign, "reference")
    assert not (foreign / "thesis.tex").exists()


# ---- saved programs --------------------------------------------------------------------------------
class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def saved_program() -> bytes:
    buffer = io.BytesIO()
    torch.export.save(torch.export.export(torch.nn.Linear(2, 3), (torch.randn(1, 2),)), buffer)
    return buffer.getvalue()


def with_pickled_weight(program: bytes, marker: Path) -> bytes:
    """The program with its bias replaced by a pickle that runs code (as torch.export.load would)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(program)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("model_weights_config.json"):
                config = json.loads(data)
                config["config"]["bias"].update(use_pickle=True, path_name="weight_payload")
                data = json.dumps(config).encode()
                payload = io.BytesIO()
                torch.save(Payload(marker), payload)
                target.writestr(info.filename.replace("model_weights_config.json", "weight_payload"),
                                payload.getvalue())
            target.writestr(info, data)
    return out.getvalue()


def with_entry(program: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(program)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        prefix = source.namelist()[0].split("/")[0]
        target.writestr(f"{prefix}/data/constants/{name}", b"\x80\x04N.")
    return out.getvalue()


def test_torch_export_load_alone_would_run_the_payload(tmp_path):
    """The premise: the archive format can carry code, so trtrepo must not load it plainly."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt2"
    path.write_bytes(with_pickled_weight(saved_program(), marker))
    with pytest.raises(Exception):  # noqa: B017 (torch's own error after the payload ran)
        torch.export.load(str(path))
    assert marker.exists()


def test_saved_programs_never_unpickle_objects(tmp_path):
    marker = tmp_path / "ran"
    program = saved_program()
    evil = tmp_path / "evil.pt2"
    evil.write_bytes(with_pickled_weight(program, marker))
    with pytest.raises(UnsafeProgramError, match=r"pickled object that is not a plain tensor \(io.open\)"):
        load_program(evil)
    assert not marker.exists()
    for entry in ("opaque_obj_0", "custom_obj_0"):
        (tmp_path / "objects.pt2").write_bytes(with_entry(program, entry))
        with pytest.raises(UnsafeProgramError, match=f"holds pickled Python objects .*{entry}"):
            load_program(tmp_path / "objects.pt2")
    (tmp_path / "plain.pt2").write_bytes(program)
    assert isinstance(load_program(tmp_path / "plain.pt2"), torch.export.ExportedProgram)
    assert "TORCH_FORCE_WEIGHTS_ONLY_LOAD" not in os.environ


def test_a_pt2_source_with_a_payload_is_refused(cli, tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "evil.pt2").write_bytes(with_pickled_weight(saved_program(), marker))
    spec = tmp_path / "models.yaml"
    spec.write_text("models:\n  - name: lin\n    source: evil.pt2\n"
                    "    inputs: [{name: x, dtype: fp32, shape: [1, 2]}]\n    outputs: [{name: y}]\n")
    result = cli("build", spec, "--repo", tmp_path / "repo", "--cache-dir", tmp_path / "cache")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "model 'lin': source: cannot load" in result.output and "which loading would execute" in result.output
    assert not marker.exists() and not (tmp_path / "repo").exists()


def test_serve_loads_the_stored_program_safely(tmp_path):
    from trtrepo.runners import ReferenceRunner

    marker = tmp_path / "ran"
    spec = load_project(EXAMPLES / "models.yaml").select(["mlp"])[0]
    model_dir = tmp_path / "mlp"
    model_dir.mkdir()
    (model_dir / "trtrepo.json").write_text(json.dumps({"spec_file": str(spec.spec_file), "spec": spec.raw}))
    (model_dir / "program.pt2").write_bytes(with_pickled_weight(saved_program(), marker))
    with pytest.raises(UnsafeProgramError):
        ReferenceRunner.from_model_dir(model_dir, verify=False)  # the loader itself, not the record checks
    assert not marker.exists()


def test_readme_says_a_source_runs_code():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Safety"):]
    assert "executes" in section and "source:" in section and "Only build models.yaml files you trust" in readme


# ---- the tests' own "nothing was written" helper -------------------------------------------------
def test_tree_sees_files_empty_folders_and_links(tmp_path):
    (tmp_path / "m" / "1").mkdir(parents=True)
    (tmp_path / "m" / "config.pbtxt").write_text("x")
    before = tree(tmp_path)
    assert before == {"m/1/": b"", "m/config.pbtxt": b"x"}
    (tmp_path / "m" / "1" / ".trtrepo-staging-m-0").mkdir()
    assert tree(tmp_path) == {"m/1/.trtrepo-staging-m-0/": b"", "m/config.pbtxt": b"x"} != before
    (tmp_path / "m" / "link").symlink_to(tmp_path / "m" / "1")
    assert tree(tmp_path)["m/link ->"] == os.fsencode(tmp_path / "m" / "1")
    assert "m/link/.trtrepo-staging-m-0/" not in tree(tmp_path), "links are not followed"
