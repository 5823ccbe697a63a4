"""``barometre demo``: write the demo authority's exports and plan, ingest them through the real
pipeline into the demo's own warehouse (never the user's ``data/``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import BarometreError


@dataclass(frozen=True)
class DemoPaths:
    data_dir: Path
    plan: Path
    warehouse: Path


def prepare_demo(demo_dir: Path, seed: int = 42, scale: float = 1.0, progress=None) -> DemoPaths:
    """Generate (unless the same seed/scale is already there) and ingest the demo; idempotent."""
    from pipelines.demo.generate import write_demo
    from pipelines.ingest.run import ingest

    demo_dir = Path(demo_dir).expanduser()
    marker = demo_dir / "demo.json"
    wanted = {"seed": seed, "scale": scale, "generator": 2}
    files_ok = (demo_dir / "plan.toml").exists() and (demo_dir / "exports").is_dir()
    try:
        if not (files_ok and marker.exists() and json.loads(marker.read_text()) == wanted):
            demo_dir.mkdir(parents=True, exist_ok=True)
            (demo_dir / "warehouse.duckdb").unlink(
                missing_ok=True
            )  # rows of another seed/scale must not linger
            write_demo(demo_dir, seed=seed, scale=scale)
            marker.write_text(json.dumps(wanted))
    except OSError as err:
        raise BarometreError(f"Impossible d'écrire la démo dans {demo_dir} : {err.strerror}.") from err
    warehouse = demo_dir / "warehouse.duckdb"
    plan = demo_dir / "plan.toml"
    reports = ingest([demo_dir / "exports"], warehouse, data_dir=demo_dir, plan_path=plan, progress=progress)
    refused = [r for r in reports if r.status == "refused"]
    if refused:
        raise BarometreError(f"L'import de la démo a refusé {refused[0].path} : {refused[0].message}")
    return DemoPaths(demo_dir, plan, warehouse)
