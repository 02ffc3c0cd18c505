"""python -m micrograd doctor: a sound install, and micrograd 0.1.0's files mixed into it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from micrograd.__main__ import main

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd"

# The three files micrograd 0.1.0 installs, reduced to what matters here: its engine has
# a Value but none of this package's API.
MICROGRAD_010 = {
    "__init__.py": "",
    "engine.py": "class Value:\n    def __init__(self, data):\n        self.data = data\n",
    "nn.py": "from micrograd.engine import Value\n",
}


def install(site: Path, name: str, version: str, files: dict[str, str]) -> None:
    """Write ``files`` into site/micrograd and a dist-info whose RECORD owns them, as pip does."""
    for file, text in files.items():
        path = site / "micrograd" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    record = [f"micrograd/{file},," for file in files] + [f"{info.name}/METADATA,,"]
    (info / "RECORD").write_text("\n".join(record) + "\n")


def doctor(site: Path) -> subprocess.CompletedProcess[str]:
    """Run the doctor on ``site`` alone (-S: without this environment's site-packages)."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, "-S", "-m", "micrograd", "doctor"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def ours() -> dict[str, str]:
    return {p.relative_to(PACKAGE).as_posix(): p.read_text() for p in PACKAGE.rglob("*.py")}


def test_doctor_passes_this_install(capsys):
    assert main(["doctor"]) == 0
    assert "no problems found" in capsys.readouterr().out


def test_doctor_reports_micrograd_010_installed_over_this_package(tmp_path):
    install(tmp_path, "micrograd-lab", "0.2.0", ours())
    install(tmp_path, "micrograd", "0.1.0", MICROGRAD_010)  # pip overwrites three files
    result = doctor(tmp_path)
    assert result.returncode == 1, result.stderr
    assert "micrograd 0.1.0: __init__.py, engine.py, nn.py" in result.stderr
    assert "micrograd-lab 0.2.0: " in result.stderr
    assert "is not micrograd-lab's engine (it has no walk, graph, no_grad)" in result.stderr
    assert "pip uninstall -y micrograd micrograd-lab\n    pip install micrograd-lab" in (
        result.stderr
    )


def test_doctor_reports_the_files_left_after_uninstalling_one_of_them(tmp_path):
    install(tmp_path, "micrograd-lab", "0.2.0", ours())
    for name in MICROGRAD_010:  # pip uninstall micrograd deletes the files it wrote
        (tmp_path / "micrograd" / name).unlink()
    shutil.rmtree(next(tmp_path.glob("micrograd_lab-*.dist-info")))
    result = doctor(tmp_path)
    assert result.returncode == 1
    assert "import micrograd.engine fails: ModuleNotFoundError" in result.stderr
    assert "pip install micrograd-lab" in result.stderr


def test_doctor_accepts_this_package_installed_alone(tmp_path):
    install(tmp_path, "micrograd-lab", "0.2.0", ours())
    result = doctor(tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"imported from {tmp_path.resolve() / 'micrograd'}" in result.stdout
