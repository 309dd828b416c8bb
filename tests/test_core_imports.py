"""The core imports and runs with core dependencies only (DESIGN §3).

A fresh interpreter blocks every optional package (web, registry, Spark, charts, test tools) and
then assesses a record and runs the CLI's assess command.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

OPTIONAL = ["sqlalchemy", "alembic", "psycopg", "pyspark", "pyarrow", "altair", "vl_convert",
            "fastapi", "uvicorn", "weasyprint", "pandas", "hypothesis", "pytest", "pint"]


def test_core_runs_without_optional_packages() -> None:
    code = textwrap.dedent(f"""
        import sys
        from importlib.abc import MetaPathFinder

        BLOCKED = {OPTIONAL!r}

        class Block(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError("blocked optional package: " + name)
                return None

        sys.meta_path.insert(0, Block())
        import myoscope
        a = myoscope.assess({{"sex": "female", "grip_strength": 12, "asm": 12, "asm_method": "dxa",
                              "height": 160, "gait_speed": 0.6}})
        assert a.results["ewgsop2"].outcome == "severe_sarcopenia"
        from typer.testing import CliRunner
        from myoscope.cli import app
        assert CliRunner().invoke(app, ["definitions"]).exit_code == 0
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
        assert not leaked, leaked
        print("core ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "core ok"
