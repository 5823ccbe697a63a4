"""``barometre`` command line. Every command exits non-zero with a one-line French reason on failure."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from pipelines import settings
from pipelines.errors import BarometreError

# Polars' allocator (jemalloc) hands freed memory back to the system at once by default. A streamed
# import allocates and frees some 100 MB per batch, so the kernel kept zeroing fresh pages: 1.3 s
# of system time per 10 M rows (benchmarks/README.md). Keeping freed pages 10 s trades about
# 100 MB of memory for it. Read when Polars loads, hence here, before anything imports it.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000,muzzy_decay_ms:10000")

ROOT = Path(__file__).resolve().parent.parent


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » : écrivez AAAA-MM-JJ") from None


def _paths(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    data_dir = settings.path("data_dir", getattr(args, "data_dir", None))
    warehouse = settings.path("warehouse", getattr(args, "warehouse", None), data_dir=str(data_dir))
    plan = settings.path("plan", getattr(args, "plan", None), data_dir=str(data_dir))
    return data_dir, warehouse, plan


def _progress(enabled: bool):
    if not enabled:
        return None

    def show(i: float, total: int, name: str) -> None:
        """File ``int(i) + 1`` of ``total`` under way; a fractional ``i`` is how far a large file went."""
        if total == 0:
            return
        width = 30
        done = int(width * i / total)
        within = i - int(i)
        pct = f" {int(within * 100):>3} %" if within > 0 else "      "
        line = f"\r[{'#' * done}{'.' * (width - done)}] {int(i)}/{total}{pct} {name[:40]:<40}"
        sys.stderr.write(line if i < total else line + "\n")
        sys.stderr.flush()

    return show


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipelines.ingest.run import DossierChanges, ingest
    from pipelines.present.console import print_ingest_summary

    data_dir, warehouse, plan = _paths(args)
    paths = [Path(p) for p in args.paths] or [data_dir]
    changes = DossierChanges()
    for p in paths:
        if not p.exists():
            raise BarometreError(f"Chemin introuvable : {p}")
    reports = ingest(
        paths,
        warehouse,
        data_dir=data_dir,
        plan_path=plan,
        progress=_progress(not args.json and sys.stderr.isatty()),
        prune_missing=args.prune_missing,
        restore_pruned=args.restore_pruned,
        dossiers=changes,
    )
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        print_ingest_summary(reports, warehouse)
    if args.prune_missing:
        print(
            f"{changes.pruned} dossier(s) absent(s) des derniers exports complets retiré(s) des indicateurs "
            "(« barometre ingest --restore-pruned N° » les remet, N° = fichier de l'export).",
            file=sys.stderr if args.json else sys.stdout,
        )
    if args.restore_pruned is not None:
        print(
            f"{changes.restored} dossier(s) remis dans les indicateurs.",
            file=sys.stderr if args.json else sys.stdout,
        )
    refused = any(r.status == "refused" for r in reports)
    rejected = any(r.rows_rejected for r in reports)
    return 1 if refused or (args.strict and rejected) else 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    """Make the warehouse again from the ledger's files (see :mod:`pipelines.rebuild`)."""
    from pipelines.present.console import print_ingest_summary
    from pipelines.rebuild import plan_rebuild, rebuild

    data_dir, warehouse, plan = _paths(args)
    show = _progress(sys.stderr.isatty())
    todo = plan_rebuild(warehouse, data_dir, progress=show)
    for f in todo.absent:
        kind = "ses lignes manqueront" if f.taken else "il avait été refusé"
        print(f"Fichier n° {f.file_id} {f.problem} : {f.recorded} ({kind})", file=sys.stderr)
    result = rebuild(
        todo,
        data_dir=data_dir,
        plan_path=plan,
        force=args.force,
        progress=show,
        wait_seconds=float(settings.resolve("writer_wait")),
    )
    print_ingest_summary(result.reports, warehouse)
    taken = len(todo.files) - len(todo.absent)
    print(f"Entrepôt reconstruit à partir de {taken} fichier(s) du registre sur {len(todo.files)}.")
    if todo.lost:
        print(
            f"Attention : il lui manque les lignes de {len(todo.lost)} fichier(s) introuvable(s) ou modifié(s) ; "
            f"l'ancien entrepôt est gardé dans {result.backup}."
        )
    return 0


def cmd_kpi(args: argparse.Namespace) -> int:
    """Evaluate the plan's indicators: a French table, or the JSON document (rates as fractions, delays in days)."""
    from pipelines.indicators import evaluate
    from pipelines.plan import load_plan
    from pipelines.present.console import print_kpi_table

    _, warehouse, plan_path = _paths(args)
    plan = load_plan(plan_path)
    doc = evaluate(warehouse, plan, args.at)
    if args.json:
        from pipelines.indicators.funder_indicators import funder_indicators

        # FEDER common indicators (RCO14, RCR11) per funder, at the headline period's end
        doc["funder_indicators"] = funder_indicators(warehouse, plan, dt.date.fromisoformat(doc["as_of"]))
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print_kpi_table(doc)
    return 0


def cmd_gains(args: argparse.Namespace) -> int:
    """What the plan gained so far and per year, each figure with its formula and inputs (French or JSON)."""
    from pipelines.indicators.gains import gains
    from pipelines.plan import load_plan
    from pipelines.present.gains import console_text

    _, warehouse, plan_path = _paths(args)
    doc = gains(warehouse, load_plan(plan_path), args.at)
    print(json.dumps(doc, ensure_ascii=False, indent=2) if args.json else console_text(doc))
    return 0


def cmd_diagnostic(args: argparse.Namespace) -> int:
    """The diagnostic: maturity, priorities of services and communes, blind spots (French or JSON)."""
    from pipelines.diagnostic.document import diagnostic
    from pipelines.plan import load_plan
    from pipelines.present.console import print_diagnostic

    _, warehouse, plan_path = _paths(args)
    doc = diagnostic(warehouse, load_plan(plan_path), args.at)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print_diagnostic(doc)
    return 0


def run_app(warehouse: Path, plan: Path, port: int, no_browser: bool, analyst: bool = False) -> int:
    """Start the Streamlit server on the given warehouse and plan (blocks until stopped)."""
    env = {**os.environ, "BAROMETRE_WAREHOUSE": str(warehouse), "BAROMETRE_PLAN": str(plan)}
    if analyst:
        env["BAROMETRE_MODE"] = "analyst"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard" / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true" if no_browser else "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(f"Baromètre : http://localhost:{port}  (Ctrl+C pour arrêter)", flush=True)
    try:
        return subprocess.call(cmd, env=env, cwd=ROOT)
    except KeyboardInterrupt:
        return 0


def cmd_app(args: argparse.Namespace) -> int:
    _, warehouse, plan = _paths(args)
    return run_app(warehouse, plan, args.port, args.no_browser, analyst=args.analyst)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.territory:
        return _demo_territory(args)
    from pipelines.demo.run import prepare_demo

    demo = prepare_demo(
        settings.path("demo_dir", args.demo_dir),
        seed=args.seed,
        scale=args.scale,
        progress=_progress(sys.stderr.isatty()),
    )
    print(f"Données de démonstration : {demo.data_dir}")
    print(f"Plan : {demo.plan}")
    print(f"Entrepôt : {demo.warehouse}")
    if args.prepare_only:
        return 0
    return run_app(demo.warehouse, demo.plan, args.port, args.no_browser, analyst=True)


def _demo_territory(args: argparse.Namespace) -> int:
    """``demo --territory``: members prepared, exported and consolidated, then the app on the consolidation."""
    from pipelines.demo.territory import prepare_territory

    root = (
        Path(args.demo_dir).expanduser()
        if args.demo_dir
        else settings.path("demo_dir").with_name("territoire")
    )
    paths = prepare_territory(root, seed=args.seed, progress=_progress(sys.stderr.isatty()))
    for member in paths.members:
        print(f"Entrepôt membre : {member.warehouse}")
    print(f"Parquet : {paths.parquet}")
    print(f"Plan du territoire : {paths.plan}")
    print(f"Entrepôt consolidé : {paths.warehouse}")
    if args.prepare_only:
        return 0
    return run_app(paths.warehouse, paths.plan, args.port, args.no_browser)


def cmd_export(args: argparse.Namespace) -> int:
    from pipelines.export import authority_key, export_parquet
    from pipelines.plan import load_plan

    _, warehouse, plan_path = _paths(args)
    siren, identity = None, {}
    if plan_path.exists():
        plan = load_plan(plan_path)
        siren, identity = plan.authority.get("siren"), {**plan.authority, "communes": plan.communes}
    rows = export_parquet(warehouse, Path(args.parquet), authority_key(args.authority or siren), identity)
    for table, n in rows.items():
        print(f"{table:<20} {n:>12} ligne(s)")
    print(f"Export Parquet : {args.parquet}")
    return 0


def cmd_consolidate(args: argparse.Namespace) -> int:
    """The territory plan's indicators for every member and pooled, into a consolidated warehouse."""
    from pipelines.consolidate import consolidate

    result = consolidate(
        args.folders,
        Path(args.plan),
        Path(args.out),
        engine_name=args.engine,
        master=args.master,
        as_of=args.at,
        progress=_steps(not args.json and sys.stderr.isatty()),
        jobs=args.jobs,
    )
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        for line in result.warnings:
            print(line, file=sys.stderr)
        return 0
    print(
        f"{result.territory} — situation au {result.as_of:%d/%m/%Y} ({len(result.members)} membre(s), moteur {result.engine})"
    )
    for m in result.members:
        print(
            f"  {m.name} ({m.authority}) : export du {m.exported_at:%d/%m/%Y %H:%M}, {m.source or m.folder}"
        )
    for line in result.warnings:
        print(f"  Attention : {line}")
    print(f"Entrepôt consolidé : {args.out}")
    return 0


def _steps(enabled_bar: bool):
    """Progress of a pack on stderr: a bar on a terminal, one line per step otherwise (logs, CI)."""
    bar = _progress(enabled_bar)
    if bar is not None:
        return bar

    def line(i: int, total: int, name: str) -> None:
        print(f"[{i}/{total}] {name}", file=sys.stderr, flush=True)

    return line


def _print_pack(result) -> None:
    charts = len(result.pack.charts)
    csvs = sum(1 for f in result.files if f.endswith(".csv"))
    print(f"{result.pack.title} — situation au {result.pack.as_of:%d/%m/%Y}")
    print(f"Dossier : {result.out_dir}")
    print(
        f"  {result.pdf.name} ; {result.xlsx.name} ; {charts} graphique(s) en PNG et SVG ; {csvs} fichier(s) CSV ; manifest.json"
    )


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.consolidate.members_plan import plan_with_members
    from pipelines.plan import load_plan
    from pipelines.report import build_funder_pack

    _, warehouse, plan_path = _paths(args)
    # on a consolidated warehouse, the members' actions join the territory plan's
    plan = plan_with_members(load_plan(plan_path), warehouse)
    result = build_funder_pack(
        warehouse, plan, args.funder, Path(args.out), args.at, progress=_steps(sys.stderr.isatty())
    )
    _print_pack(result)
    return 0


def cmd_handover(args: argparse.Namespace) -> int:
    from pipelines.plan import load_plan
    from pipelines.report import build_handover_pack

    _, warehouse, plan_path = _paths(args)
    result = build_handover_pack(
        warehouse, load_plan(plan_path), Path(args.out), args.at, progress=_steps(sys.stderr.isatty())
    )
    _print_pack(result)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from pipelines.plan import load_plan
    from pipelines.report import build_review_report

    _, warehouse, plan_path = _paths(args)
    plan = load_plan(plan_path)
    result = build_review_report(
        warehouse, plan, Path(args.out), args.name, args.at, progress=_steps(sys.stderr.isatty())
    )
    _print_pack(result)
    if not args.draft:
        from pipelines.indicators import review
        from pipelines.indicators.published import publish

        doc = review(warehouse, plan, args.name, args.at)
        sources = result.pack.sources
        manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
        publish(warehouse, doc, result.pack.as_of, sources.plan_sha256, sources.fingerprint, manifest)
        print(
            f"Revue publiée : ses chiffres sont gardés dans l'entrepôt (page Revue, « Revues publiées ») ; "
            f"« barometre review --at {result.pack.as_of.isoformat()} » la reproduit tant que données et plan sont inchangés."
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="barometre", description="Baromètre : évaluation du plan de transformation numérique."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    def common(sp: argparse.ArgumentParser, data_dir: bool = True) -> None:
        if data_dir:
            sp.add_argument("--data-dir", help="dossier de dépôt (défaut : data/ ou $BAROMETRE_DATA_DIR)")
        sp.add_argument("--warehouse", help="fichier DuckDB (défaut : <data-dir>/warehouse.duckdb)")
        sp.add_argument("--plan", help="fichier du plan (défaut : <data-dir>/plan.toml)")

    d = sub.add_parser("demo", help="prépare la collectivité de démonstration puis lance l'application")
    d.add_argument("--port", type=int, default=8501)
    d.add_argument("--no-browser", action="store_true", help="n'ouvre pas de navigateur (serveurs, CI)")
    d.add_argument(
        "--prepare-only",
        action="store_true",
        help="écrit et importe la démo, affiche les chemins, sans lancer l'application",
    )
    d.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplie le volume de données (défaut 1 : ~200 000 demandes)",
    )
    d.add_argument("--seed", type=int, default=42)
    d.add_argument(
        "--territory",
        action="store_true",
        help="démo d'un territoire : cinq collectivités membres, exportées et consolidées "
        "(dossier par défaut : ~/.cache/barometre/territoire)",
    )
    d.add_argument("--demo-dir", help="dossier de la démo (défaut : ~/.cache/barometre/demo)")
    d.set_defaults(func=cmd_demo)

    i = sub.add_parser("ingest", help="importe les fichiers déposés")
    i.add_argument("paths", nargs="*", help="fichiers ou dossiers (défaut : le dossier de dépôt)")
    common(i)
    i.add_argument("--strict", action="store_true", help="code de sortie 1 si une ligne est écartée")
    i.add_argument("--json", action="store_true", help="résumé en JSON")
    i.add_argument(
        "--prune-missing",
        action="store_true",
        help="retire des indicateurs les dossiers Démarches Simplifiées absents du dernier export complet de leur démarche",
    )
    i.add_argument(
        "--restore-pruned",
        type=int,
        metavar="N°",
        help="remet dans les indicateurs les dossiers retirés sur l'export n° N° du registre",
    )
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser(
        "rebuild", help="reconstruit l'entrepôt à partir des fichiers inscrits au registre des imports"
    )
    common(b)
    b.add_argument(
        "--force",
        action="store_true",
        help="reconstruit même si des fichiers du registre manquent (l'ancien entrepôt est gardé à côté)",
    )
    b.set_defaults(func=cmd_rebuild)

    a = sub.add_parser("app", help="lance l'application sur un entrepôt")
    common(a)
    a.add_argument("--port", type=int, default=8501)
    a.add_argument("--no-browser", action="store_true")
    a.add_argument(
        "--analyst",
        action="store_true",
        help="permet le dépôt de fichiers dans l'application (par défaut : consultation seule)",
    )
    a.set_defaults(func=cmd_app)

    k = sub.add_parser("kpi", help="indicateurs du plan (tableau ou JSON)")
    common(k)
    k.add_argument(
        "--at",
        type=_date,
        help="date d'évaluation AAAA-MM-JJ : 12 mois se terminant au dernier mois complet à cette date "
        "(défaut : dernier mois complet des données)",
    )
    k.add_argument(
        "--json", action="store_true", help="document JSON (taux en fraction 0–1, délais en jours)"
    )
    k.set_defaults(func=cmd_kpi)

    gn = sub.add_parser(
        "gains",
        help="gains du plan : demandes hors ligne évitées, coûts et temps d'agent économisés, jours d'attente épargnés",
    )
    common(gn)
    gn.add_argument(
        "--at",
        type=_date,
        help="date de lecture AAAA-MM-JJ : du début du plan au dernier mois complet à cette date "
        "(défaut : dernier mois complet des données)",
    )
    gn.add_argument(
        "--json", action="store_true", help="document JSON (taux en fraction 0–1, délais en jours)"
    )
    gn.set_defaults(func=cmd_gains)

    g = sub.add_parser(
        "diagnostic",
        help="diagnostic : maturité numérique, priorités des services et des communes, angles morts",
    )
    common(g)
    g.add_argument(
        "--at",
        type=_date,
        help="date de lecture AAAA-MM-JJ : vagues de maturité jusqu'à cette date, 12 mois de données "
        "se terminant au dernier mois complet (défaut : dernier mois complet des données)",
    )
    g.add_argument("--json", action="store_true", help="document JSON (parts en fraction 0–1)")
    g.set_defaults(func=cmd_diagnostic)
    e = sub.add_parser(
        "export", help="exporte l'entrepôt en Parquet partitionné (table / année / collectivité)"
    )
    common(e)
    e.add_argument("--parquet", required=True, metavar="DOSSIER", help="dossier de destination")
    e.add_argument("--authority", help="identifiant de la collectivité (défaut : SIREN du plan)")
    e.set_defaults(func=cmd_export)

    c = sub.add_parser(
        "consolidate",
        help="consolide les exports Parquet de plusieurs collectivités (indicateurs par membre et d'ensemble)",
    )
    c.add_argument(
        "folders", nargs="+", metavar="DOSSIER_PARQUET", help="exports « barometre export --parquet »"
    )
    c.add_argument(
        "--plan", required=True, metavar="PLAN", help="plan du territoire (même format que plan.toml)"
    )
    c.add_argument("--out", required=True, metavar="ENTREPOT", help="entrepôt consolidé à écrire (.duckdb)")
    c.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="moteur de lecture (défaut : duckdb)"
    )
    c.add_argument("--master", metavar="URL", help="Spark : local[*] par défaut, ou spark://hôte:7077…")
    c.add_argument(
        "--at", type=_date, metavar="AAAA-MM-JJ", help="date d'évaluation, la même pour tous les membres"
    )
    c.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processus calculant les membres en parallèle (défaut : nombre de cœurs)",
    )
    c.add_argument("--json", action="store_true", help="document JSON")
    c.set_defaults(func=cmd_consolidate)

    r = sub.add_parser("report", help="dossier d'un financeur : PDF, graphiques PNG/SVG, données XLSX/CSV")
    r.add_argument(
        "--funder",
        required=True,
        metavar="NOM",
        help="financeur tel qu'écrit dans le plan (majuscules indifférentes)",
    )
    r.add_argument(
        "--out", required=True, metavar="DOSSIER", help="dossier où écrire le dossier du financeur"
    )
    r.add_argument("--at", type=_date, help="date de situation AAAA-MM-JJ (défaut : dernier mois complet)")
    common(r)
    r.set_defaults(func=cmd_report)

    v = sub.add_parser(
        "review",
        help="rapport de revue du plan : période de référence et période de revue, tous les indicateurs",
    )
    v.add_argument("--out", required=True, metavar="DOSSIER", help="dossier où écrire le rapport")
    v.add_argument("--at", type=_date, help="date de lecture AAAA-MM-JJ (défaut : dernier mois complet)")
    v.add_argument(
        "--name",
        metavar="REVUE",
        help="revue du plan, par exemple « Revue à mi-parcours » (défaut : la dernière commencée)",
    )
    v.add_argument(
        "--draft",
        action="store_true",
        help="brouillon : écrit le rapport sans enregistrer la revue comme publiée dans l'entrepôt",
    )
    common(v)
    v.set_defaults(func=cmd_review)

    h = sub.add_parser(
        "handover",
        help="bilan et continuité du plan : décisions, indicateurs, engagements, prochaine revue (PDF, XLSX, CSV)",
    )
    h.add_argument("--out", required=True, metavar="DOSSIER", help="dossier où écrire le bilan")
    h.add_argument("--at", type=_date, help="date de situation AAAA-MM-JJ (défaut : dernier mois complet)")
    common(h)
    h.set_defaults(func=cmd_handover)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BarometreError as err:
        print(f"Erreur : {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
